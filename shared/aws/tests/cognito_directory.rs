//! The sign-in directory on a Cognito user pool, against moto (started by ./infra/test.sh).

use turno_aws::testing as common;
use turno_aws::{CognitoDirectory, group_name};
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_core::ports::Directory;

async fn directory() -> (
    aws_sdk_cognitoidentityprovider::Client,
    String,
    CognitoDirectory,
) {
    let cognito = common::moto_clients().await.cognito;
    let pool = common::create_user_pool(&cognito).await;
    let directory = CognitoDirectory::new(cognito.clone(), pool.clone());
    (cognito, pool, directory)
}

fn ws(s: &str) -> WorkspaceId {
    WorkspaceId::parse(s).expect("workspace id")
}

fn agent(s: &str) -> AgentId {
    AgentId::parse(s).expect("agent id")
}

#[test]
fn the_groups_are_the_templates() {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
            .expect("template.yaml");
    for role in [Role::Agent, Role::Supervisor, Role::Admin] {
        let line = format!("GroupName: {}", group_name(role));
        assert!(template.contains(&line), "template.yaml has no `{line}`");
    }
}

#[tokio::test]
async fn an_invited_agent_is_a_user_with_its_email_workspace_and_roles_group() {
    let (cognito, pool, directory) = directory().await;
    let (demo, lucia) = (ws("demo"), agent("lucia"));

    directory
        .invite(&demo, &lucia, "lucia@example.com", Role::Supervisor)
        .await
        .expect("invite");

    let (attributes, enabled) = common::user(&cognito, &pool, "lucia").await;
    assert!(enabled);
    assert_eq!(
        attributes.get("email").map(String::as_str),
        Some("lucia@example.com")
    );
    assert_eq!(
        attributes.get("email_verified").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        attributes.get("custom:workspace").map(String::as_str),
        Some("demo")
    );
    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["supervisor"]
    );
}

#[tokio::test]
async fn a_role_change_moves_the_user_to_that_group_alone() {
    let (cognito, pool, directory) = directory().await;
    let (demo, lucia) = (ws("demo"), agent("lucia"));
    directory
        .invite(&demo, &lucia, "lucia@example.com", Role::Agent)
        .await
        .expect("invite");

    directory
        .set_role(&demo, &lucia, Role::Admin)
        .await
        .expect("to admin");
    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["admin"]
    );
    directory
        .set_role(&demo, &lucia, Role::Admin)
        .await
        .expect("again, the same");
    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["admin"]
    );
    directory
        .set_role(&demo, &lucia, Role::Agent)
        .await
        .expect("back to agent");
    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["agent"]
    );
}

#[tokio::test]
async fn inviting_an_existing_user_updates_its_group_and_enables_it_again() {
    let (cognito, pool, directory) = directory().await;
    let (demo, lucia) = (ws("demo"), agent("lucia"));
    directory
        .invite(&demo, &lucia, "lucia@example.com", Role::Agent)
        .await
        .expect("invite");
    directory.disable(&demo, &lucia).await.expect("disable");
    assert!(!common::user(&cognito, &pool, "lucia").await.1, "disabled");

    directory
        .invite(&demo, &lucia, "lucia@example.com", Role::Supervisor)
        .await
        .expect("invited again");

    assert!(
        common::user(&cognito, &pool, "lucia").await.1,
        "enabled again"
    );
    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["supervisor"]
    );
}

#[tokio::test]
async fn disabling_stops_the_user_and_a_missing_user_is_already_disabled() {
    let (cognito, pool, directory) = directory().await;
    let (demo, lucia) = (ws("demo"), agent("lucia"));
    directory
        .invite(&demo, &lucia, "lucia@example.com", Role::Agent)
        .await
        .expect("invite");

    directory.disable(&demo, &lucia).await.expect("disable");
    directory
        .disable(&demo, &lucia)
        .await
        .expect("disable twice");
    directory
        .disable(&demo, &agent("nadie"))
        .await
        .expect("no such user");

    assert!(!common::user(&cognito, &pool, "lucia").await.1);
}

#[tokio::test]
async fn another_workspaces_user_is_never_touched_and_the_error_names_the_fix() {
    let (cognito, pool, directory) = directory().await;
    let lucia = agent("lucia");
    directory
        .invite(&ws("demo"), &lucia, "lucia@example.com", Role::Agent)
        .await
        .expect("invite in demo");

    let err = directory
        .invite(&ws("otra"), &lucia, "lucia@otra.example", Role::Admin)
        .await
        .expect_err("the user is demo's");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("belongs to workspace demo") && msg.contains("another id"),
        "{msg}"
    );
    let err = directory
        .set_role(&ws("otra"), &lucia, Role::Admin)
        .await
        .expect_err("the user is demo's");
    assert!(format!("{err:#}").contains("belongs to workspace demo"));
    assert!(directory.disable(&ws("otra"), &lucia).await.is_err());

    assert_eq!(
        common::user_groups(&cognito, &pool, "lucia").await,
        ["agent"]
    );
    assert!(common::user(&cognito, &pool, "lucia").await.1);
}

#[tokio::test]
async fn a_role_change_for_an_agent_without_a_user_says_to_invite_it() {
    let (_, _, directory) = directory().await;
    let err = directory
        .set_role(&ws("demo"), &agent("nadie"), Role::Admin)
        .await
        .expect_err("no such user");
    assert!(format!("{err:#}").contains("invite it"), "{err:#}");
}

#[tokio::test]
async fn a_missing_user_pool_is_named_with_the_variable_to_fix() {
    let cognito = common::moto_clients().await.cognito;
    let directory = CognitoDirectory::new(cognito, "us-east-1_missing");
    let err = directory
        .invite(
            &ws("demo"),
            &agent("lucia"),
            "lucia@example.com",
            Role::Agent,
        )
        .await
        .expect_err("no such pool");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("TURNO_USER_POOL_ID") && msg.contains("AdminCreateUser"),
        "{msg}"
    );
}
