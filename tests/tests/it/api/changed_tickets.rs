//! `GET /tickets/changed`: the rows the console patches in from the change feed, each as the
//! list shows it, only those the caller may see, with the list's counts.

use reqwest::Method;

use super::{Api, handed_off_ticket};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_tickets_are_list_rows_the_caller_may_see_with_the_lists_counts() {
    let api = Api::spawn().await;
    let id = handed_off_ticket(&api).await;

    let list = api
        .call("ana", Method::GET, "/tickets", "/tickets", None)
        .await;
    let changed = api
        .call(
            "ana",
            Method::GET,
            "/tickets/changed",
            &format!("/tickets/changed?ids={id},{id}"),
            None,
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(
        changed.body["items"],
        serde_json::json!([list.body["items"][0].clone()]),
        "the same row as the list's, once"
    );
    assert_eq!(changed.body["counts"], list.body["counts"]);

    // Marta is in another team: the ticket is left out, and her counts are her team's.
    let hers = api
        .call(
            "marta",
            Method::GET,
            "/tickets/changed",
            &format!("/tickets/changed?ids={id}&team=specialists"),
            None,
        )
        .await;
    assert_eq!(hers.status, 200);
    assert_eq!(hers.body["items"], serde_json::json!([]));
    assert_eq!(hers.body["counts"]["assigned"], 0);

    // A supervisor's counts for one team.
    let team = api
        .call(
            "bruno",
            Method::GET,
            "/tickets/changed",
            &format!("/tickets/changed?ids={id}&team=support"),
            None,
        )
        .await;
    assert_eq!(team.body["items"][0]["id"], id.as_str());
    assert_eq!(team.body["counts"]["assigned"], 1);

    // Nothing, too many, or a malformed id: 400 naming what to fix.
    let many = vec![id.clone(); 51].join(",");
    for bad in [
        "/tickets/changed?ids=".to_owned(),
        format!("/tickets/changed?ids={many}"),
        "/tickets/changed?ids=a%20b".to_owned(),
        "/tickets/changed?ids=6W%C2%B2%C2%BE".to_owned(),
    ] {
        let r = api
            .call("ana", Method::GET, "/tickets/changed", &bad, None)
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "invalid_request", "{bad}");
    }
}
