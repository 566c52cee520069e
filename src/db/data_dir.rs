//! Where aisle keeps its own state: the embedded Postgres cluster, its socket and its log.
//!
//! `--data-dir` overrides; otherwise `$XDG_DATA_HOME/aisle`, else `~/.local/share/aisle`. As root
//! the default is `/var/lib/aisle`: the embedded server runs as an unprivileged account, which
//! cannot reach anything under `/root`.

use std::ffi::{CStr, CString, OsString};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The default for root: an unprivileged server cannot traverse `/root`.
pub const ROOT_DATA_DIR: &str = "/var/lib/aisle";

/// The data directory aisle uses when `--data-dir` is not given.
pub fn default_data_dir() -> Result<PathBuf> {
    if is_root() {
        return Ok(PathBuf::from(ROOT_DATA_DIR));
    }
    // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from)
        && xdg.is_absolute()
    {
        return Ok(xdg.join("aisle"));
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|home| home.is_absolute())
        .or_else(home_from_passwd)
        .ok_or_else(|| {
            Error::Embedded(
                "cannot find a data directory: neither XDG_DATA_HOME nor HOME is set; \
                 pass --data-dir"
                    .into(),
            )
        })?;
    Ok(home.join(".local").join("share").join("aisle"))
}

/// `--data-dir` if given, else [`default_data_dir`]; always absolute, because the server is
/// started from `/` and a relative path would point somewhere else.
pub fn resolve_data_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    let dir = match flag {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    absolute(&dir)
}

pub(crate) fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir).map_err(|err| {
        Error::io(
            format!("cannot resolve data directory {}", dir.display()),
            err,
        )
    })
}

/// True when running with effective uid 0.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// An account from the password database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

/// Looks an account up by name (`getpwnam_r`, thread-safe).
pub fn account_by_name(name: &str) -> Option<Account> {
    let name = CString::new(name).ok()?;
    lookup(|pwd, buf, len, result| {
        // SAFETY: every pointer is valid for the duration of the call; `buf` has `len` bytes.
        unsafe { libc::getpwnam_r(name.as_ptr(), pwd, buf, len, result) }
    })
}

/// Looks an account up by uid (`getpwuid_r`, thread-safe).
pub fn account_by_uid(uid: u32) -> Option<Account> {
    lookup(|pwd, buf, len, result| {
        // SAFETY: every pointer is valid for the duration of the call; `buf` has `len` bytes.
        unsafe { libc::getpwuid_r(uid, pwd, buf, len, result) }
    })
}

fn home_from_passwd() -> Option<PathBuf> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    account_by_uid(uid)
        .map(|account| account.home)
        .filter(|home| home.is_absolute())
}

fn lookup<F>(call: F) -> Option<Account>
where
    F: Fn(
        *mut libc::passwd,
        *mut libc::c_char,
        libc::size_t,
        *mut *mut libc::passwd,
    ) -> libc::c_int,
{
    let mut len = 1024usize;
    loop {
        let mut buf = vec![0 as libc::c_char; len];
        // SAFETY: `passwd` is plain old data; an all-zero value is valid and is overwritten.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = call(&mut pwd, buf.as_mut_ptr(), len, &mut result);
        if rc == libc::ERANGE && len < 1 << 20 {
            len *= 4;
            continue;
        }
        if rc != 0 || result.is_null() {
            return None;
        }
        // SAFETY: on success the string fields point into `buf`, which is still alive, and are
        // NUL-terminated.
        let (name, home) = unsafe {
            (
                CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned(),
                PathBuf::from(OsString::from_vec(
                    CStr::from_ptr(pwd.pw_dir).to_bytes().to_vec(),
                )),
            )
        };
        return Some(Account {
            name,
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
            home,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_account_is_found_by_uid_and_name() {
        let by_uid = account_by_uid(0).expect("uid 0 exists");
        assert_eq!(by_uid.uid, 0);
        let by_name = account_by_name(&by_uid.name).expect("root by name");
        assert_eq!(by_name, by_uid);
        assert!(account_by_name("no-such-account-aisle").is_none());
    }

    #[test]
    fn data_dir_is_absolute() {
        let dir = resolve_data_dir(Some(PathBuf::from("relative/dir"))).expect("resolves");
        assert!(dir.is_absolute());
        assert!(dir.ends_with("relative/dir"));
        assert!(default_data_dir().expect("default").is_absolute());
    }
}
