//! Resolution of `ContainerSpec.User` (`user[:group]`, names or numbers) against the host's
//! passwd and group files, with Docker's wording when a name is unknown.

use crate::ExecError;

/// Numeric credentials to run the task's process with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Resolves `spec`. A numeric uid without a group gets the user's primary group if the passwd
/// file knows it, else gid 0 (as Docker does).
pub(crate) async fn resolve(spec: &str) -> Result<Credentials, ExecError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let passwd = read_or_empty("/etc/passwd").await;
    let entry = find_entry(&passwd, user);
    let (uid, primary_gid) = match (user.parse::<u32>(), entry) {
        (Ok(uid), entry) => (uid, entry.and_then(|e| field(e, 3)).unwrap_or(0)),
        (Err(_), Some(entry)) => match (field(entry, 2), field(entry, 3)) {
            (Some(uid), Some(gid)) => (uid, gid),
            _ => return Err(no_user(user)),
        },
        (Err(_), None) => return Err(no_user(user)),
    };
    let gid = match group {
        None | Some("") => primary_gid,
        Some(group) => match group.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => {
                let groups = read_or_empty("/etc/group").await;
                find_entry(&groups, group)
                    .and_then(|e| field(e, 2))
                    .ok_or_else(|| {
                        ExecError::Rejected(format!(
                            "unable to find group {group}: no matching entries in group file"
                        ))
                    })?
            }
        },
    };
    Ok(Credentials { uid, gid })
}

fn no_user(user: &str) -> ExecError {
    ExecError::Rejected(format!(
        "unable to find user {user}: no matching entries in passwd file"
    ))
}

async fn read_or_empty(path: &str) -> String {
    tokio::fs::read_to_string(path).await.unwrap_or_default()
}

/// The line of a passwd/group file whose first field is `name`.
fn find_entry<'a>(file: &'a str, name: &str) -> Option<&'a str> {
    file.lines()
        .find(|line| line.split(':').next() == Some(name))
}

/// Numeric field `index` (0-based) of a passwd/group line.
fn field(line: &str, index: usize) -> Option<u32> {
    line.split(':').nth(index)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolves_numbers_and_names() {
        assert_eq!(
            resolve("1234:55").await.ok(),
            Some(Credentials { uid: 1234, gid: 55 })
        );
        assert_eq!(
            resolve("root").await.ok(),
            Some(Credentials { uid: 0, gid: 0 })
        );
        let err = resolve("no-such-user-here")
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unable to find user no-such-user-here: no matching entries in passwd file")
        );
    }
}
