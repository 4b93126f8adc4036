use super::*;

#[test]
fn delivery_states_only_move_forward_and_failure_is_final() {
    use DeliveryState::*;
    assert!(Delivered.advances(Some(Sent)));
    assert!(!Sent.advances(Some(Read)));
    assert!(Failed.advances(Some(Delivered)));
    assert!(!Read.advances(Some(Failed)));
    assert!(Sent.advances(None));
}

#[test]
fn buttons_over_whatsapp_limits_are_rejected_before_sending() {
    let b = |t: &str| ReplyButton {
        id: t.into(),
        title: t.into(),
    };
    let four = Outbound::Buttons {
        body: "pick".into(),
        buttons: vec![b("a"), b("b"), b("c"), b("d")],
    };
    assert!(four.validate().unwrap_err().contains("1 to 3"));
    let long = Outbound::Buttons {
        body: "pick".into(),
        buttons: vec![b("a title that is far too long")],
    };
    assert!(long.validate().unwrap_err().contains("1 to 20 characters"));
    let twice = Outbound::Buttons {
        body: "pick".into(),
        buttons: vec![b("a"), b("a")],
    };
    assert!(twice.validate().unwrap_err().contains("used twice"));
    let long_body = Outbound::Buttons {
        body: "x".repeat(1025),
        buttons: vec![b("a")],
    };
    assert!(long_body.validate().unwrap_err().contains("1024"));
    assert!(Outbound::text(" ").validate().is_err());
    assert!(Outbound::text("hola").validate().is_ok());
}

#[test]
fn templates_are_checked_against_whatsapps_rules() {
    let ok = TemplateMessage {
        body_params: vec!["Lucía".into(), "T-42".into()],
        button_payloads: vec!["yes".into()],
        ..TemplateMessage::new("follow_up_2", "pt_BR")
    };
    assert_eq!(Outbound::Template(ok.clone()).validate(), Ok(()));
    let bad_name = TemplateMessage::new("Follow Up", "es");
    assert!(bad_name.validate().unwrap_err().contains("lowercase"));
    let bad_language = TemplateMessage::new("hello", "spanish");
    assert!(bad_language.validate().unwrap_err().contains("en_US"));
    let new_line = TemplateMessage {
        body_params: vec!["line one\nline two".into()],
        ..ok.clone()
    };
    assert!(new_line.validate().unwrap_err().contains("new lines"));
    let empty = TemplateMessage {
        body_params: vec!["ok".into(), " ".into()],
        ..ok.clone()
    };
    assert!(empty.validate().unwrap_err().contains("body parameter 2"));
    let buttons = TemplateMessage {
        button_payloads: vec!["p".into(); 11],
        ..ok
    };
    assert!(buttons.validate().unwrap_err().contains("10"));
}

#[test]
fn a_header_media_is_an_image_video_or_document_and_not_beside_header_text() {
    let with = |kind, source| TemplateMessage {
        header_media: Some(Box::new(HeaderMedia { kind, source })),
        ..TemplateMessage::new("oferta", "es")
    };
    let link = || MediaSource::Link("https://lumen.example/a.jpg".into());
    assert_eq!(with(MediaKind::Image, link()).validate(), Ok(()));
    assert_eq!(
        with(MediaKind::Document, MediaSource::Id("42".into())).validate(),
        Ok(())
    );
    assert!(with(MediaKind::Audio, link()).validate().is_err());
    assert!(
        with(MediaKind::Image, MediaSource::Id("no spaces".into()))
            .validate()
            .is_err()
    );
    let both = TemplateMessage {
        header_params: vec!["Lumen".into()],
        ..with(MediaKind::Image, link())
    };
    assert!(
        both.validate()
            .unwrap_err()
            .contains("either text or media")
    );
}

#[test]
fn media_is_checked_for_source_caption_and_filename() {
    let media = |kind, source, caption: Option<&str>, filename: Option<&str>| Outbound::Media {
        kind,
        source,
        caption: caption.map(Into::into),
        filename: filename.map(Into::into),
    };
    let id = || MediaSource::Id("1234567890".into());
    assert!(
        media(MediaKind::Image, id(), Some("look"), None)
            .validate()
            .is_ok()
    );
    assert!(
        media(
            MediaKind::Document,
            MediaSource::Link("https://x.example/a.pdf".into()),
            None,
            Some("a.pdf")
        )
        .validate()
        .is_ok()
    );
    assert!(
        media(MediaKind::Audio, id(), Some("hi"), None)
            .validate()
            .unwrap_err()
            .contains("no caption")
    );
    assert!(
        media(MediaKind::Image, id(), None, Some("a.png"))
            .validate()
            .unwrap_err()
            .contains("only documents")
    );
    assert!(
        media(
            MediaKind::Image,
            MediaSource::Link("ftp://x/a.png".into()),
            None,
            None
        )
        .validate()
        .unwrap_err()
        .contains("http(s)")
    );
    assert!(
        media(MediaKind::Image, id(), Some(&"x".repeat(1025)), None)
            .validate()
            .unwrap_err()
            .contains("1024")
    );
    assert!(
        media(
            MediaKind::Sticker,
            MediaSource::Id("../etc".into()),
            None,
            None
        )
        .validate()
        .is_err()
    );
}
