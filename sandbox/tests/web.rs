//! The web chat speaks Russian to a browser that prefers it.

use medcab_sandbox::{Sandbox, SandboxConfig};

async fn page(sandbox: &Sandbox, accept_language: Option<&str>) -> String {
    let mut request = reqwest::Client::new().get(sandbox.url());
    if let Some(value) = accept_language {
        request = request.header("accept-language", value);
    }
    request.send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn the_page_is_russian_when_the_browser_prefers_russian() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert!(
        page(&sandbox, Some("ru-RU,ru;q=0.9,en;q=0.8"))
            .await
            .contains("<html lang=\"ru\">")
    );
    assert!(
        page(&sandbox, Some("en-GB,en;q=0.9"))
            .await
            .contains("<html lang=\"en\">")
    );
    assert!(page(&sandbox, None).await.contains("<html lang=\"en\">"));
    // The words the script puts on the page, in Russian too.
    let script = reqwest::get(format!("{}/i18n.js", sandbox.url()))
        .await
        .unwrap();
    assert!(script.status().is_success());
    let script = script.text().await.unwrap();
    assert!(script.contains("'Users': 'Пользователи'"), "{script}");
    sandbox.shutdown().await;
}

/// A page elsewhere that re-points its own name at 127.0.0.1 (DNS
/// rebinding) reaches the sandbox with that name in `Host`: refused, for
/// the chat page and the control API alike; addressed by IP or as
/// localhost, everything answers.
#[tokio::test]
async fn a_request_for_another_name_is_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = reqwest::Client::new();
    let port = sandbox.addr().port();
    for path in ["/", "/control/users", "/control/errors"] {
        let url = format!("{}{path}", sandbox.url());
        let rebound = client
            .get(&url)
            .header("host", format!("evil.example:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            rebound.status(),
            reqwest::StatusCode::MISDIRECTED_REQUEST,
            "{path}"
        );
        let local = client
            .get(&url)
            .header("host", format!("localhost:{port}"))
            .send()
            .await
            .unwrap();
        assert!(local.status().is_success(), "{path}: {}", local.status());
    }
    sandbox.shutdown().await;
}

/// A page elsewhere posting to the sandbox by its right address (a form to
/// 127.0.0.1) is refused: the browser names that page in `Origin` and
/// `Sec-Fetch-Site`. The web chat's own requests and programs pass.
#[tokio::test]
async fn a_change_asked_by_a_foreign_page_is_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/control/users", sandbox.url());
    let body = serde_json::json!({ "first_name": "Анна" });
    let foreign = client
        .post(&url)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), reqwest::StatusCode::FORBIDDEN);
    let users: serde_json::Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(users.as_array().map(Vec::len), Some(0), "{users}");

    let own = client
        .post(&url)
        .header("origin", sandbox.url())
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(own.status().is_success(), "{}", own.status());
    let program = client.post(&url).json(&body).send().await.unwrap();
    assert!(program.status().is_success(), "{}", program.status());
    sandbox.shutdown().await;
}
