//! The command line: the first admin and password resets.

use super::sessions::sign_in_request;
use crate::both_backends;
use crate::http::Client;
use crate::support::TestDb;
use app::ssr::service;
use axum::body::Body;
use axum::http::{Request, StatusCode};

both_backends!(the_cli_creates_the_first_admin_and_resets_passwords);
async fn the_cli_creates_the_first_admin_and_resets_passwords(db: TestDb) -> TestDb {
    // An empty installation: no demo, no users.
    let state = db.state();
    let admin = app::domain::account::NewUser {
        name: "Ops".into(),
        email: "Ops@Example.com".into(),
        role: app::domain::Role::Admin,
        team_id: None,
        password: "password123".into(),
    };
    let err = service::accounts::create_user(&state, None, admin.clone())
        .await
        .unwrap_err();
    assert_eq!(
        err.fields()[0].field,
        "password",
        "a common password is refused"
    );
    let created = service::accounts::create_user(
        &state,
        None,
        app::domain::account::NewUser {
            password: "lantern quarry 19".into(),
            ..admin
        },
    )
    .await
    .unwrap();
    assert_eq!(created.email, "ops@example.com");
    let client = Client::anonymous(&db);
    let (status, _) = client
        .send(sign_in_request(
            "ops@example.com",
            "lantern quarry 19",
            None,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Signed in elsewhere; a reset ends that session and the new password works.
    let signed = app::ssr::auth::sign_in(
        &state,
        "ops@example.com",
        "lantern quarry 19",
        &Default::default(),
    )
    .await
    .unwrap();
    service::accounts::reset_password(&state, None, "ops@example.com", "new harbour key".into())
        .await
        .unwrap();
    let old = Client {
        router: client.router.clone(),
        cookie: Some(format!("closeloop_session={}", signed.session)),
    };
    let (status, _) = old
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = client
        .send(sign_in_request("ops@example.com", "new harbour key", None))
        .await;
    assert_eq!(status, StatusCode::OK);
    db
}
