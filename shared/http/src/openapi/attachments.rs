//! `POST /tickets/{id}/attachments`: a file an agent sends, as the request body with its
//! type, uploaded to WhatsApp and sent as a media message; `POST /tickets/{id}/media`: the
//! same file only uploaded, its media id for a template's header.

use serde_json::{Value, json};

use super::{
    enumeration, error_response, int, json_response, object, opaque_id, path_param, query_param, r,
    string,
};

/// The types WhatsApp takes, by kind: each a body the route accepts.
const TYPES: [&str; 8] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/ogg",
    "audio/mpeg",
    "video/mp4",
    "application/pdf",
    "text/plain",
];

fn file_content() -> Value {
    let mut content = serde_json::Map::new();
    for t in TYPES {
        content.insert(
            t.to_owned(),
            json!({ "schema": { "type": "string", "format": "binary", "minLength": 1 } }),
        );
    }
    Value::Object(content)
}

pub(super) fn operation() -> Value {
    let content = file_content();
    json!({
        "summary": "send a file on WhatsApp inside the 24 h window: the body is the file, with its Content-Type (also audio/aac, audio/amr, audio/mp4, video/3gpp and Office documents); image (JPEG, PNG) up to 5 MB, sticker (WebP) 500 KB, audio and video 16 MB, document 100 MB. It is uploaded to WhatsApp and sent by its media id, with the caption where WhatsApp shows one (images, videos, documents)",
        "parameters": [
            path_param("id", "ticket id", opaque_id()),
            query_param("caption", "shown under an image, video or document", json!({ "type": "string", "maxLength": 1024 })),
            query_param("filename", "the name a document shows", json!({ "type": "string", "maxLength": 240 }))
        ],
        "requestBody": { "required": true, "content": content },
        "responses": {
            "201": json_response("sent", r("TranscriptEntry")),
            "400": error_response("malformed id or query value"),
            "401": error_response("missing, malformed or expired bearer token"),
            "404": error_response("no such ticket (or not visible to the caller)"),
            "409": error_response("the ticket takes no replies, or the 24-hour window is closed (window_closed)"),
            "413": error_response("larger than WhatsApp takes for that kind of file (too_large)"),
            "415": error_response("a type WhatsApp does not take (unsupported_type)"),
            "422": error_response("an empty file or a caption too long"),
            "500": error_response("something went wrong on the server's side; it is logged"),
            "502": error_response("WhatsApp refused the upload or the message"),
            "503": error_response("WhatsApp is unavailable or throttling: try again")
        }
    })
}

pub(super) fn paths() -> Value {
    json!({
        "/tickets/{id}/media": { "post": {
            "summary": "upload a file to WhatsApp without sending it, for a template's image, video or document header (`header_media: {\"id\": …}`, which may go with the window closed): the body is the file, with its Content-Type, checked as an attachment's is (image JPEG or PNG up to 5 MB, video 16 MB, document 100 MB, ...)",
            "parameters": [
                path_param("id", "ticket id", opaque_id()),
                query_param("filename", "the file's name, as WhatsApp keeps it", json!({ "type": "string", "maxLength": 240 }))
            ],
            "requestBody": { "required": true, "content": file_content() },
            "responses": {
                "201": json_response("uploaded", r("UploadedMedia")),
                "400": error_response("malformed id or query value"),
                "401": error_response("missing, malformed or expired bearer token"),
                "404": error_response("no such ticket (or not visible to the caller)"),
                "413": error_response("larger than WhatsApp takes for that kind of file (too_large)"),
                "415": error_response("a type WhatsApp does not take (unsupported_type)"),
                "422": error_response("an empty file"),
                "500": error_response("something went wrong on the server's side; it is logged"),
                "502": error_response("WhatsApp refused the upload"),
                "503": error_response("WhatsApp is unavailable or throttling: try again")
            }
        } }
    })
}

pub(super) fn schemas() -> Value {
    json!({
        "UploadedMedia": object(json!({
            "media_id": string(),
            "kind": enumeration(&["image", "video", "audio", "document", "sticker"]),
            "mime_type": string(),
            "size": int()
        }), true)
    })
}
