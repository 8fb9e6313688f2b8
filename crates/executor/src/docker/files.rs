//! A task's files (secrets, configs) as the tar archive the engine extracts into a created
//! container (`PUT /containers/{id}/archive`): ustar entries for the parent directories and
//! the files, with their owners and modes.

use crate::TaskFile;
use std::collections::BTreeSet;

const BLOCK: usize = 512;

/// The archive, rooted at `/`; an error names a path too long for ustar.
pub(crate) fn tar(files: &[TaskFile]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut dirs = BTreeSet::new();
    for f in files {
        let rel = f.path.trim_start_matches('/');
        let mut parent = String::new();
        for part in rel
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            parent.push_str(part);
            parent.push('/');
            dirs.insert(parent.clone());
        }
    }
    for d in &dirs {
        out.extend(header(d, 0, 0, 0o755, 0, b'5')?);
    }
    for f in files {
        let rel = f.path.trim_start_matches('/');
        out.extend(header(rel, f.uid, f.gid, f.mode, f.data.len(), b'0')?);
        out.extend_from_slice(&f.data);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}

fn octal(field: &mut [u8], value: u64) {
    let s = format!("{value:0width$o}", width = field.len() - 1);
    field[..s.len()].copy_from_slice(s.as_bytes());
}

fn header(
    path: &str,
    uid: u32,
    gid: u32,
    mode: u32,
    size: usize,
    kind: u8,
) -> Result<[u8; BLOCK], String> {
    let mut h = [0u8; BLOCK];
    let (prefix, name) = if path.len() <= 100 {
        ("", path)
    } else {
        // ustar splits a long path at a slash: prefix (155) / name (100).
        let cut = path[..path.len().min(156)]
            .rfind('/')
            .filter(|&i| path.len() - i - 1 <= 100)
            .ok_or_else(|| format!("path too long for a task file: {path}"))?;
        (&path[..cut], &path[cut + 1..])
    };
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], u64::from(mode & 0o7777));
    octal(&mut h[108..116], u64::from(uid));
    octal(&mut h[116..124], u64::from(gid));
    octal(&mut h[124..136], size as u64);
    octal(&mut h[136..148], 0);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is computed with its own field as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_has_parent_dirs_then_files_with_owner_and_mode() {
        let files = vec![TaskFile {
            path: "/run/secrets/db_pw".into(),
            data: b"s3cret".to_vec(),
            uid: 0,
            gid: 0,
            mode: 0o444,
        }];
        let t = tar(&files).unwrap();
        assert_eq!(t.len() % BLOCK, 0);
        // run/, run/secrets/, the file header, its data block, two end blocks.
        assert_eq!(t.len(), 6 * BLOCK);
        let name = |b: usize| {
            let h = &t[b * BLOCK..b * BLOCK + 100];
            String::from_utf8(h.iter().take_while(|c| **c != 0).copied().collect()).unwrap()
        };
        assert_eq!(name(0), "run/");
        assert_eq!(name(1), "run/secrets/");
        assert_eq!(name(2), "run/secrets/db_pw");
        assert_eq!(t[2 * BLOCK + 156], b'0');
        assert_eq!(&t[2 * BLOCK + 100..2 * BLOCK + 107], b"0000444");
        assert_eq!(&t[3 * BLOCK..3 * BLOCK + 6], b"s3cret");
        // Checksum: the header's bytes with the field as spaces.
        let h = &t[2 * BLOCK..3 * BLOCK];
        let mut copy = h.to_vec();
        copy[148..156].copy_from_slice(b"        ");
        let sum: u32 = copy.iter().map(|b| u32::from(*b)).sum();
        assert_eq!(&h[148..154], format!("{sum:06o}").as_bytes());
    }
}
