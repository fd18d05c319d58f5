//! Panel users for daemon tests, added to the store as an admin would: a user with a role
//! and password, optionally linked to an agent (so the desk's CTI and chat sockets accept it).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::Path;

use store::Store;
use store::config::{Command, CommandContext, Language, NewUser, Role};

/// Adds the agent desk's user of agent `number`: `agent{number}` with password
/// `agent-{number}-secret`, linked to the agent. Returns (user name, password) to log in.
pub fn add_agent_user(db: &Path, number: &str) -> (String, String) {
    let (user, password) = (format!("agent{number}"), format!("agent-{number}-secret"));
    add_user(db, &user, Role::Agent, &password, Some(number));
    (user, password)
}

/// Adds user `name` with `role` and `password`; links agent `agent` to it when given.
pub fn add_user(db: &Path, name: &str, role: Role, password: &str, agent: Option<&str>) {
    let mut st = Store::open(db).expect("open");
    let ctx = CommandContext {
        actor: "test",
        ts: store::Timestamp(1),
    };
    let user = st
        .execute(
            ctx,
            &Command::CreateUser(NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                password: password.into(),
                must_change_password: false,
                language: Language::En,
            }),
        )
        .expect("user")
        .id;
    if let Some(number) = agent {
        let a = st
            .agents()
            .expect("agents")
            .into_iter()
            .find(|a| a.config.number == number)
            .expect("agent");
        let mut config = a.config.clone();
        config.user_id = Some(user);
        st.execute(ctx, &Command::UpdateAgent { id: a.id, config })
            .expect("link agent");
    }
}
