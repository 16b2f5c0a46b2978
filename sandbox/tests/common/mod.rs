//! Shared by the integration tests: a sandbox and raw Bot API calls.

#![allow(dead_code)] // each test binary uses a different part

use medcab_sandbox::{Client, NewUser, Sandbox, SandboxConfig, User};
use serde_json::Value;

pub struct Harness {
    pub sandbox: Sandbox,
    pub client: Client,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Harness {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let client = sandbox.client();
        Harness {
            sandbox,
            client,
            http: reqwest::Client::new(),
        }
    }

    pub async fn user(&self, name: &str) -> User {
        self.client.create_user(NewUser::named(name)).await.unwrap()
    }

    pub fn method_url(&self, method: &str) -> String {
        format!(
            "{}/bot{}/{method}",
            self.sandbox.api_url(),
            self.sandbox.token()
        )
    }

    /// A Bot API call with a JSON body: the HTTP status and the answer.
    pub async fn bot(&self, method: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.method_url(method))
            .json(&body)
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    /// `result` of a call that must succeed.
    pub async fn ok(&self, method: &str, body: Value) -> Value {
        let (status, answer) = self.bot(method, body).await;
        assert_eq!(status, 200, "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// The description of a call that must fail with `code`.
    pub async fn refused(&self, method: &str, body: Value, code: u16) -> String {
        let (status, answer) = self.bot(method, body).await;
        assert_eq!(status, code, "{method}: {answer}");
        assert_eq!(answer["ok"], false);
        assert_eq!(answer["error_code"], code);
        answer["description"].as_str().unwrap().to_owned()
    }

    pub async fn answer(response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}
