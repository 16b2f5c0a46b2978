//! A sandbox given a state file comes back after a restart with its users
//! and their chats, as the bot's database remembers them.

use medcab_sandbox::{NewUser, Sandbox, SandboxConfig};

fn config(state_file: &std::path::Path) -> SandboxConfig {
    SandboxConfig {
        state_file: Some(state_file.to_owned()),
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn users_and_chats_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("medcab-sandbox-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sandbox.json");
    let _ = std::fs::remove_file(&file);

    let sandbox = Sandbox::start(config(&file)).await.unwrap();
    let client = sandbox.client();
    let anna = client
        .create_user(NewUser::named("Анна").with_language("ru"))
        .await
        .unwrap();
    client.send_text(anna.id, "/start").await.unwrap();
    sandbox.shutdown().await;
    // The chats hold whatever was typed: readable by their owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    let sandbox = Sandbox::start(config(&file)).await.unwrap();
    let client = sandbox.client();
    let users = client.users().await.unwrap();
    assert_eq!(users, vec![anna.clone()]);
    let chat = client.chat(anna.id).await.unwrap();
    let texts: Vec<_> = chat.messages.iter().map(|m| m.text.clone()).collect();
    assert_eq!(texts, vec![Some("/start".to_owned())]);
    // New messages and users go on from where the old ones ended.
    client.send_text(anna.id, "/menu").await.unwrap();
    let chat = client.chat(anna.id).await.unwrap();
    assert_eq!(chat.messages[1].message_id, chat.messages[0].message_id + 1);
    let boris = client.create_user(NewUser::named("Борис")).await.unwrap();
    assert_ne!(boris.id, anna.id);
    sandbox.shutdown().await;

    // Without a state file, nothing is kept.
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert!(sandbox.client().users().await.unwrap().is_empty());
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_damaged_state_file_is_refused_with_the_way_out() {
    let file = std::env::temp_dir().join(format!("medcab-sandbox-bad-{}.json", std::process::id()));
    std::fs::write(&file, b"{ not json").unwrap();
    let error = Sandbox::start(config(&file)).await.err().expect("refused");
    assert!(format!("{error:#}").contains("--reset"), "{error:#}");
    let _ = std::fs::remove_file(&file);
}
