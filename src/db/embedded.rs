//! The embedded default: a private PostgreSQL cluster in `<data_dir>/pg`, run from the machine's
//! own PostgreSQL server binaries, reachable only through a Unix socket in `<data_dir>/run`.
//!
//! Layout of the data directory:
//!
//! ```text
//! <data_dir>/.lock     file lock guarding initialisation, start and stop
//! <data_dir>/pg/       the cluster (PGDATA), owned by the server user, mode 0700
//! <data_dir>/run/      the socket directory, owned by the server user, mode 0700
//! <data_dir>/pg.log    the server's log (stderr)
//! ```
//!
//! The superuser is `aisle`; local socket connections are trusted (the socket directory is
//! private, so only the server user and root can reach it) and TCP is off. When aisle runs as
//! root, the server runs as the `postgres` account (else `nobody`), because PostgreSQL refuses
//! to run as root.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::data_dir::{self, Account};
use crate::{Error, Result};

/// The cluster's superuser, which aisle connects as.
pub const SUPERUSER: &str = "aisle";
/// The database aisle uses inside the cluster.
pub const DATABASE: &str = "aisle";
/// The port only names the socket file (`.s.PGSQL.5432`); TCP is off.
pub const PORT: u16 = 5432;
/// Terminal servers keep many connections; the machine's default (100) is too few.
pub const MAX_CONNECTIONS: u32 = 300;
/// `sun_path` holds 108 bytes including the terminating NUL.
pub const SOCKET_PATH_MAX: usize = 107;
/// How long a start (including crash recovery) may take before we give up.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// `pg.log` is moved to `pg.log.old` at a start once it is larger than this.
const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;
/// How long a pid file may claim a ready server that accepts no connection.
const STALE_AFTER: Duration = Duration::from_secs(10);

/// A set of PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`) in one directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgBinaries {
    pub bin_dir: PathBuf,
    /// As `postgres --version` reports it, e.g. `15.20`.
    pub version: String,
    pub major: u32,
    #[serde(skip)]
    minor: u32,
}

impl PgBinaries {
    /// The highest version found; or the one clear message saying what to install.
    pub fn find() -> Result<PgBinaries> {
        Self::find_all()
            .into_iter()
            .next()
            .ok_or_else(not_installed)
    }

    /// Every usable set found on `PATH` and in the usual package locations, highest first.
    pub fn find_all() -> Vec<PgBinaries> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for dir in candidate_dirs() {
            let Some(bin_dir) = server_bin_dir(&dir) else {
                continue;
            };
            if !seen.insert(bin_dir.clone()) {
                continue;
            }
            if let Some((version, major, minor)) = server_version(&bin_dir.join("postgres")) {
                found.push(PgBinaries {
                    bin_dir,
                    version,
                    major,
                    minor,
                });
            }
        }
        found.sort_by_key(|b| std::cmp::Reverse((b.major, b.minor)));
        found
    }

    pub fn initdb(&self) -> PathBuf {
        self.bin_dir.join("initdb")
    }

    pub fn pg_ctl(&self) -> PathBuf {
        self.bin_dir.join("pg_ctl")
    }

    pub fn postgres(&self) -> PathBuf {
        self.bin_dir.join("postgres")
    }
}

fn not_installed() -> Error {
    Error::Embedded(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under \
         /usr/lib/postgresql/*/bin. Without DATABASE_URL, aisle runs a private PostgreSQL from \
         them: install the server package (Debian/Ubuntu: `apt install postgresql`; Fedora: \
         `dnf install postgresql-server`; macOS: `brew install postgresql@16`), or set \
         DATABASE_URL to use an existing PostgreSQL server."
            .into(),
    )
}

fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    // Debian, Ubuntu: /usr/lib/postgresql/<major>/bin (not on PATH).
    dirs.extend(bin_dirs_under("/usr/lib/postgresql", ""));
    // PGDG packages on Fedora/RHEL: /usr/pgsql-<major>/bin.
    dirs.extend(bin_dirs_under("/usr", "pgsql-"));
    // Homebrew's keg-only postgresql@<major> (Apple silicon, then Intel).
    dirs.extend(bin_dirs_under("/opt/homebrew/opt", "postgresql"));
    dirs.extend(bin_dirs_under("/usr/local/opt", "postgresql"));
    dirs
}

/// `<parent>/<entry>/bin` for every entry whose name starts with `prefix`.
fn bin_dirs_under(parent: &str, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(prefix))
        .map(|entry| entry.path().join("bin"))
        .collect()
}

/// The directory really holding the three binaries (following symlinks such as Homebrew's
/// or `/usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres`).
fn server_bin_dir(dir: &Path) -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|name| is_executable(&dir.join(name)))
    };
    if !has_all(dir) {
        return None;
    }
    let real = fs::canonicalize(dir.join("postgres"))
        .ok()
        .and_then(|postgres| postgres.parent().map(Path::to_path_buf));
    match real {
        Some(real) if has_all(&real) => Some(real),
        _ => Some(dir.to_path_buf()),
    }
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Parses `postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)`.
fn server_version(postgres: &Path) -> Option<(String, u32, u32)> {
    let output = Command::new(postgres)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_version(&String::from_utf8_lossy(&output.stdout))
}

fn parse_version(text: &str) -> Option<(String, u32, u32)> {
    let version = text
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))?;
    let version = version.trim_end_matches(|c: char| !c.is_ascii_digit());
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let major = parts.next()?;
    let minor = parts.next().unwrap_or(0);
    Some((version.to_string(), major, minor))
}

/// What `aisle db status` shows about the embedded cluster.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStatus {
    pub data_dir: PathBuf,
    /// The binaries `ensure_running` would use (matching the cluster's version if initialised).
    pub binaries: Option<PgBinaries>,
    /// Why no binaries are shown, when they are not.
    pub binaries_problem: Option<String>,
    pub initialised: bool,
    /// The major version that created the cluster (`PG_VERSION`).
    pub cluster_version: Option<String>,
    pub running: bool,
    pub pid: Option<i32>,
    /// The server's own word from `postmaster.pid`: `starting`, `ready`, `stopping`.
    pub server_state: Option<String>,
    pub socket_dir: PathBuf,
    pub log_file: PathBuf,
    pub url: String,
}

/// A private PostgreSQL cluster living in one data directory.
#[derive(Debug, Clone)]
pub struct EmbeddedCluster {
    data_dir: PathBuf,
}

/// A server process this process spawned.
struct Started {
    /// Receives its exit status from the thread that reaps it.
    exited: mpsc::Receiver<std::io::Result<ExitStatus>>,
    /// Where the log stood when it was spawned: its own messages follow.
    log_offset: u64,
}

/// What `postmaster.pid` says about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ServerState {
    NotRunning,
    Running { pid: i32, state: Option<String> },
}

impl EmbeddedCluster {
    /// A cluster in `data_dir` (made absolute). Nothing is touched until `ensure_running`.
    pub fn new(data_dir: impl AsRef<Path>) -> Result<Self> {
        Ok(EmbeddedCluster {
            data_dir: data_dir::absolute(data_dir.as_ref())?,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// PGDATA.
    pub fn pg_dir(&self) -> PathBuf {
        self.data_dir.join("pg")
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.data_dir.join("run")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("pg.log")
    }

    fn lock_file(&self) -> PathBuf {
        self.data_dir.join(".lock")
    }

    /// Where `initdb` writes before the finished cluster is renamed to `pg/`, so that a crash
    /// during initialisation never leaves a half-made cluster behind.
    fn init_dir(&self) -> PathBuf {
        self.data_dir.join("pg.init")
    }

    fn socket_file(&self) -> PathBuf {
        self.socket_dir().join(format!(".s.PGSQL.{PORT}"))
    }

    /// The URL of the `aisle` database, over the Unix socket:
    /// `postgres://aisle@localhost:5432/aisle?host=<socket dir, percent-encoded>&sslmode=disable`.
    /// `localhost` is a placeholder; `host=` (an absolute path) makes sqlx and libpq use the socket.
    pub fn url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// The same server, another database.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{PORT}/{}?host={}&sslmode=disable",
            percent_encode(database, false),
            percent_encode(&self.socket_dir().to_string_lossy(), true),
        )
    }

    pub fn is_initialised(&self) -> bool {
        self.pg_dir().join("PG_VERSION").is_file()
    }

    fn cluster_major(&self) -> Option<String> {
        fs::read_to_string(self.pg_dir().join("PG_VERSION"))
            .ok()
            .map(|text| text.trim().to_string())
    }

    /// Without side effects: what is there and whether it runs.
    pub fn status(&self) -> ClusterStatus {
        let (binaries, binaries_problem) = match self.binaries() {
            Ok(binaries) => (Some(binaries), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let (running, pid, server_state) = match self.server_state() {
            ServerState::NotRunning => (false, None, None),
            ServerState::Running { pid, state } => (true, Some(pid), state),
        };
        ClusterStatus {
            data_dir: self.data_dir.clone(),
            binaries,
            binaries_problem,
            initialised: self.is_initialised(),
            cluster_version: self.cluster_major(),
            running,
            pid,
            server_state,
            socket_dir: self.socket_dir(),
            log_file: self.log_file(),
            url: self.url(),
        }
    }

    /// The binaries to run this cluster with: the version that created it, else the highest.
    pub fn binaries(&self) -> Result<PgBinaries> {
        let all = PgBinaries::find_all();
        let Some(highest) = all.first().cloned() else {
            return Err(not_installed());
        };
        let Some(major) = self.cluster_major() else {
            return Ok(highest);
        };
        if let Some(matching) = all.iter().find(|b| b.major.to_string() == major) {
            return Ok(matching.clone());
        }
        let versions: Vec<String> = all.iter().map(|b| b.version.clone()).collect();
        Err(Error::Embedded(format!(
            "the cluster in {} was created by PostgreSQL {major}, but only PostgreSQL {} is \
             installed: install PostgreSQL {major}'s server binaries (or upgrade the cluster \
             with pg_upgrade), or set DATABASE_URL to use another server",
            self.pg_dir().display(),
            versions.join(", "),
        )))
    }

    /// Initialises the cluster on first use, starts it if it is not running, waits until it
    /// accepts connections, creates the `aisle` database if missing, and returns its URL.
    /// Idempotent; concurrent callers (threads or processes) serialise on `<data_dir>/.lock`.
    pub async fn ensure_running(&self) -> Result<String> {
        self.check_socket_path()?;
        let binaries = self.binaries()?;
        self.create_data_dir()?;
        let _lock = lock_exclusive(self.lock_file()).await?;

        let user = self.server_user()?;
        if let Some(user) = &user {
            self.check_reachable(user)?;
        }
        // A fresh cluster is made with the highest version; binaries() then matches it.
        let binaries = if self.is_initialised() {
            binaries
        } else {
            self.initialise(&binaries, user.as_ref()).await?;
            self.binaries()?
        };
        let conn = self.start_and_wait(&binaries, user.as_ref()).await?;
        self.create_database(conn).await?;
        Ok(self.url())
    }

    /// Stops the server (`pg_ctl stop -m fast`) if it runs. Returns whether it was running.
    pub async fn stop(&self) -> Result<bool> {
        if !self.data_dir.is_dir() {
            return Ok(false);
        }
        let _lock = lock_exclusive(self.lock_file()).await?;
        if self.server_state() == ServerState::NotRunning {
            return Ok(false);
        }
        let binaries = self.binaries()?;
        let user = self.server_user()?;
        let mut command = server_command(&binaries.pg_ctl(), user.as_ref());
        command
            .arg("stop")
            .arg("-D")
            .arg(self.pg_dir())
            .args(["-m", "fast", "-w", "-t", "120"]);
        let output = tokio::process::Command::from(command)
            .output()
            .await
            .map_err(|err| Error::io("cannot run pg_ctl stop", err))?;
        if !output.status.success() {
            return Err(Error::Embedded(format!(
                "pg_ctl stop failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            )));
        }
        tracing::info!(data_dir = %self.data_dir.display(), "embedded PostgreSQL stopped");
        Ok(true)
    }

    fn check_socket_path(&self) -> Result<()> {
        let socket = self.socket_file();
        let len = socket.as_os_str().len();
        if len > SOCKET_PATH_MAX {
            return Err(Error::Embedded(format!(
                "the data directory {} is too deep for a Unix socket: {} is {len} bytes long and \
                 the limit is {SOCKET_PATH_MAX}; choose a shorter --data-dir",
                self.data_dir.display(),
                socket.display(),
            )));
        }
        Ok(())
    }

    fn create_data_dir(&self) -> Result<()> {
        // As root the unprivileged server must traverse the data directory; otherwise it is
        // private to the user.
        let mode = if data_dir::is_root() { 0o711 } else { 0o700 };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(&self.data_dir)
            .map_err(|err| {
                Error::io(
                    format!("cannot create data directory {}", self.data_dir.display()),
                    err,
                )
            })?;
        if data_dir::is_root() {
            let meta = fs::metadata(&self.data_dir).map_err(|err| {
                Error::io(format!("cannot read {}", self.data_dir.display()), err)
            })?;
            let current = meta.permissions().mode() & 0o7777;
            if meta.uid() == 0 && current & 0o011 != 0o011 {
                set_mode(&self.data_dir, current | 0o011)?;
            }
        }
        Ok(())
    }

    /// The account the server runs as, when aisle runs as root (`None`: as ourselves).
    /// An existing cluster keeps the owner of its directory; a new one gets `postgres`, else
    /// `nobody`.
    fn server_user(&self) -> Result<Option<Account>> {
        if !data_dir::is_root() {
            return Ok(None);
        }
        if let Ok(meta) = fs::metadata(self.pg_dir()) {
            if meta.uid() == 0 {
                return Err(Error::Embedded(format!(
                    "{} is owned by root, and PostgreSQL refuses to run as root: \
                     chown -R postgres {} (or remove it to start afresh)",
                    self.pg_dir().display(),
                    self.pg_dir().display(),
                )));
            }
            return Ok(Some(data_dir::account_by_uid(meta.uid()).unwrap_or(
                Account {
                    name: meta.uid().to_string(),
                    uid: meta.uid(),
                    gid: meta.gid(),
                    home: PathBuf::from("/"),
                },
            )));
        }
        data_dir::account_by_name("postgres")
            .or_else(|| data_dir::account_by_name("nobody"))
            .filter(|account| account.uid != 0)
            .map(Some)
            .ok_or_else(|| {
                Error::Embedded(
                    "aisle runs as root, and PostgreSQL refuses to run as root, but neither a \
                     `postgres` nor a `nobody` account exists to run it as: create one \
                     (useradd --system postgres) or set DATABASE_URL"
                        .into(),
                )
            })
    }

    /// Every directory above the data directory must be searchable by the server user.
    fn check_reachable(&self, user: &Account) -> Result<()> {
        for dir in self.data_dir.ancestors() {
            let Ok(meta) = fs::metadata(dir) else {
                continue;
            };
            let mode = meta.permissions().mode();
            let searchable = mode & 0o001 != 0
                || (meta.gid() == user.gid && mode & 0o010 != 0)
                || (meta.uid() == user.uid && mode & 0o100 != 0);
            if !searchable {
                return Err(Error::Embedded(format!(
                    "the PostgreSQL server runs as user {}, which cannot reach the data directory \
                     {}: {} is not searchable by it (mode {:o}); choose another --data-dir (the \
                     default for root is {}) or make {} searchable",
                    user.name,
                    self.data_dir.display(),
                    dir.display(),
                    mode & 0o7777,
                    data_dir::ROOT_DATA_DIR,
                    dir.display(),
                )));
            }
        }
        Ok(())
    }

    async fn initialise(&self, binaries: &PgBinaries, user: Option<&Account>) -> Result<()> {
        let init_dir = self.init_dir();
        if init_dir.exists() {
            // Left by an initialisation that died; we hold the lock, so nobody is using it.
            fs::remove_dir_all(&init_dir)
                .map_err(|err| Error::io(format!("cannot remove {}", init_dir.display()), err))?;
        }
        make_private_dir(&init_dir, user)?;
        tracing::info!(
            data_dir = %self.data_dir.display(),
            version = %binaries.version,
            "initialising embedded PostgreSQL cluster"
        );
        let mut command = server_command(&binaries.initdb(), user);
        command
            .arg("-D")
            .arg(&init_dir)
            .arg(format!("--username={SUPERUSER}"))
            .args([
                "--auth-local=trust",
                "--auth-host=reject",
                "--encoding=UTF8",
                "--no-locale",
            ]);
        let output = tokio::process::Command::from(command)
            .output()
            .await
            .map_err(|err| Error::io(format!("cannot run {}", binaries.initdb().display()), err))?;
        if !output.status.success() {
            return Err(Error::Embedded(format!(
                "initdb failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            )));
        }
        let conf = init_dir.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|err| Error::io(format!("cannot open {}", conf.display()), err))?;
        // Settings that depend on where the data directory is (the socket directory) are given
        // on the command line at each start instead, so a moved data directory still works.
        let settings = format!(
            "\n# Added by aisle (the embedded default).\n\
             max_connections = {MAX_CONNECTIONS}\n\
             listen_addresses = ''\n\
             unix_socket_permissions = 0700\n\
             synchronous_commit = on\n\
             fsync = on\n"
        );
        file.write_all(settings.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| Error::io(format!("cannot write {}", conf.display()), err))?;
        fs::rename(&init_dir, self.pg_dir()).map_err(|err| {
            Error::io(
                format!("cannot move the new cluster to {}", self.pg_dir().display()),
                err,
            )
        })?;
        Ok(())
    }

    fn server_state(&self) -> ServerState {
        let Ok(text) = fs::read_to_string(self.pg_dir().join("postmaster.pid")) else {
            return ServerState::NotRunning;
        };
        let lines: Vec<&str> = text.lines().collect();
        let Some(pid) = lines
            .first()
            .and_then(|line| line.trim().parse::<i32>().ok())
        else {
            // Being written right now.
            return ServerState::Running {
                pid: 0,
                state: Some("starting".into()),
            };
        };
        if pid <= 0 || !process_alive(pid) {
            return ServerState::NotRunning;
        }
        let state = lines
            .get(7)
            .map(|line| line.trim().to_string())
            .filter(|state| !state.is_empty());
        ServerState::Running { pid, state }
    }

    /// Starts the server unless it runs, and waits until it accepts a connection, which it
    /// returns (to the `postgres` database). A server that another process is starting,
    /// recovering or stopping is waited for. A start that fails because the remains of a killed
    /// server are still exiting (its shared memory or pid still in use) is retried.
    async fn start_and_wait(
        &self,
        binaries: &PgBinaries,
        user: Option<&Account>,
    ) -> Result<PgConnection> {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut started: Option<Started> = None;
        let mut spawns = 0;
        // Since when postmaster.pid says "ready" but no connection succeeds.
        let mut unreachable_since: Option<Instant> = None;
        loop {
            match self.server_state() {
                ServerState::Running { pid, state } if state.as_deref() == Some("ready") => {
                    match self.connect_admin().await {
                        Ok(conn) => return Ok(conn),
                        // The server answered: it runs, but refuses (too many connections...).
                        Err(err) if is_server_answer(&err) && !is_starting_up(&err) => {
                            return Err(Error::Embedded(format!(
                                "the embedded PostgreSQL at {} refused a connection: {err}",
                                self.socket_dir().display()
                            )));
                        }
                        Err(err) => {
                            // A killed server's pid may linger (a zombie) a moment.
                            let since = *unreachable_since.get_or_insert_with(Instant::now);
                            if since.elapsed() > STALE_AFTER {
                                return Err(Error::Embedded(format!(
                                    "{} names process {pid} as a running server, but nothing \
                                     accepts connections at {} ({err}); if no PostgreSQL runs \
                                     there, remove that file",
                                    self.pg_dir().join("postmaster.pid").display(),
                                    self.socket_dir().display(),
                                )));
                            }
                        }
                    }
                }
                ServerState::Running { .. } => unreachable_since = None,
                ServerState::NotRunning => {
                    unreachable_since = None;
                    let exited = started
                        .as_ref()
                        .map(|started| started.exited.try_recv().ok());
                    match exited {
                        None => {
                            started = Some(self.spawn_server(binaries, user)?);
                            spawns += 1;
                        }
                        Some(None) => {} // spawned, not yet written its pid file
                        Some(Some(status)) => {
                            let log_from = started.as_ref().map_or(0, |s| s.log_offset);
                            let log = log_since(&self.log_file(), log_from, 20);
                            let transient =
                                log.contains("is still in use") || log.contains("already exists");
                            if !(transient && spawns < 5 && Instant::now() < deadline) {
                                let status = status
                                    .map(|status| status.to_string())
                                    .unwrap_or_else(|err| err.to_string());
                                return Err(Error::Embedded(format!(
                                    "PostgreSQL did not start ({status}); from {}:\n{log}",
                                    self.log_file().display(),
                                )));
                            }
                            tracing::info!("an old server's remains are still exiting; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            started = Some(self.spawn_server(binaries, user)?);
                            spawns += 1;
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                let log_from = started.as_ref().map_or(0, |s| s.log_offset);
                return Err(Error::Embedded(format!(
                    "PostgreSQL in {} did not become ready within {}s; from {}:\n{}",
                    self.pg_dir().display(),
                    START_TIMEOUT.as_secs(),
                    self.log_file().display(),
                    log_since(&self.log_file(), log_from, 20),
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A connection to the `postgres` database over the socket, through the URL we hand out.
    async fn connect_admin(&self) -> std::result::Result<PgConnection, sqlx::Error> {
        let options = PgConnectOptions::from_str(&self.url_for("postgres"))?
            .application_name("aisle")
            .disable_statement_logging();
        match tokio::time::timeout(
            Duration::from_secs(10),
            PgConnection::connect_with(&options),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Starts `postgres` itself (not `pg_ctl start`, which goes through a shell) in its own
    /// process group, with its output appended to `pg.log`. A thread reaps it when it exits.
    fn spawn_server(&self, binaries: &PgBinaries, user: Option<&Account>) -> Result<Started> {
        let socket_dir = self.socket_dir();
        make_private_dir(&socket_dir, user)?;
        let log_path = self.log_file();
        // Keep one previous log; the server writes to a single file that is otherwise never cut.
        if fs::metadata(&log_path).is_ok_and(|meta| meta.len() > LOG_ROTATE_BYTES) {
            let _ = fs::rename(&log_path, self.data_dir.join("pg.log.old"));
        }
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log_path)
            .map_err(|err| Error::io(format!("cannot open {}", log_path.display()), err))?;
        let log_offset = log.metadata().map(|meta| meta.len()).unwrap_or(0);
        let _ = writeln!(
            log,
            "aisle: starting PostgreSQL {} from {} (aisle pid {})",
            binaries.version,
            binaries.bin_dir.display(),
            std::process::id()
        );
        let stderr = log
            .try_clone()
            .map_err(|err| Error::io(format!("cannot open {}", log_path.display()), err))?;
        tracing::info!(
            data_dir = %self.data_dir.display(),
            version = %binaries.version,
            "starting embedded PostgreSQL"
        );
        let mut command = server_command(&binaries.postgres(), user);
        command
            .arg("-D")
            .arg(self.pg_dir())
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                quote_directory(&socket_dir.to_string_lossy())
            ))
            .arg("-c")
            .arg("listen_addresses=")
            .arg("-c")
            .arg(format!("port={PORT}"))
            .stdout(log)
            .stderr(stderr)
            // Its own process group: Ctrl+C in aisle's terminal must not reach it.
            .process_group(0);
        let mut child = command.spawn().map_err(|err| {
            Error::io(format!("cannot run {}", binaries.postgres().display()), err)
        })?;
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("aisle-postgres-reaper".into())
            .spawn(move || {
                let _ = sender.send(child.wait());
            })
            .map_err(|err| Error::io("cannot start a thread", err))?;
        Ok(Started {
            exited: receiver,
            log_offset,
        })
    }

    async fn create_database(&self, mut conn: PgConnection) -> Result<()> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            tracing::info!("creating database {DATABASE}");
            let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE \"{DATABASE}\""
            )))
            .execute(&mut conn)
            .await;
            match created {
                Ok(_) => {}
                // Created meanwhile by someone not holding our lock (a human with psql).
                Err(err)
                    if err
                        .as_database_error()
                        .and_then(|db| db.code())
                        .is_some_and(|code| code == "42P04") => {}
                Err(err) => return Err(err.into()),
            }
        }
        conn.close().await?;
        Ok(())
    }
}

/// A command for a server binary, run as `user` when given (we are root), from `/`.
fn server_command(program: &Path, user: Option<&Account>) -> Command {
    let mut command = Command::new(program);
    // A long-lived server must not inherit aisle's environment: it may hold a PIN (AISLE_PIN) or
    // channel secrets, readable in /proc by the server's account. Only what it needs goes in.
    command.current_dir("/").stdin(Stdio::null()).env_clear();
    for keep in [
        "PATH",
        "TZ",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "LC_MESSAGES",
        "HOME",
        "USER",
        "LOGNAME",
    ] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    if let Some(user) = user {
        // std drops root's supplementary groups when it switches uid.
        command
            .uid(user.uid)
            .gid(user.gid)
            .env("HOME", &user.home)
            .env("USER", &user.name)
            .env("LOGNAME", &user.name);
    }
    command
}

/// Creates (or fixes) a directory only the server user may enter.
fn make_private_dir(dir: &Path, user: Option<&Account>) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| Error::io(format!("cannot create {}", dir.display()), err))?;
    if let Some(user) = user {
        std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid))
            .map_err(|err| Error::io(format!("cannot chown {}", dir.display()), err))?;
    }
    set_mode(dir, 0o700)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|err| Error::io(format!("cannot chmod {}", path.display()), err))
}

/// Takes an exclusive lock on `path` (created if missing), waiting as long as it takes.
/// The lock is released when the returned file is dropped.
pub async fn lock_exclusive(path: PathBuf) -> Result<File> {
    tokio::task::spawn_blocking(move || {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|err| Error::io(format!("cannot open lock file {}", path.display()), err))?;
        file.lock()
            .map_err(|err| Error::io(format!("cannot lock {}", path.display()), err))?;
        Ok(file)
    })
    .await
    .map_err(|err| Error::Embedded(format!("lock task failed: {err}")))?
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// `unix_socket_directories` is a list: quote the path (doubling any `"`), so that commas and
/// spaces in it are taken literally.
fn quote_directory(dir: &str) -> String {
    format!("\"{}\"", dir.replace('"', "\"\""))
}

/// Percent-encodes everything but unreserved characters (and `/` when `keep_slash`).
fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/');
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The last `lines` lines written to a log file after byte `offset`, for error messages.
fn log_since(path: &Path, offset: u64, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("({} cannot be read)", path.display());
    };
    let len = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(offset.max(len.saturating_sub(64 * 1024))));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn is_server_answer(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some()
}

/// 57P03: "the database system is starting up" (or shutting down, or in recovery).
fn is_starting_up(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "57P03")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_versions() {
        assert_eq!(
            parse_version("postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"),
            Some(("15.20".into(), 15, 20))
        );
        assert_eq!(
            parse_version("postgres (PostgreSQL) 17beta1"),
            Some(("17beta1".into(), 17, 0))
        );
        assert_eq!(parse_version("nonsense"), None);
    }

    #[test]
    fn url_points_at_the_socket_directory() {
        let cluster = EmbeddedCluster::new("/var/lib/my aisle").expect("absolute");
        assert_eq!(
            cluster.url(),
            "postgres://aisle@localhost:5432/aisle?host=/var/lib/my%20aisle/run&sslmode=disable"
        );
        let options = PgConnectOptions::from_str(&cluster.url()).expect("sqlx parses it");
        assert_eq!(
            options.get_socket(),
            Some(&PathBuf::from("/var/lib/my aisle/run"))
        );
        assert_eq!(options.get_port(), PORT);
        assert_eq!(options.get_database(), Some(DATABASE));
        assert_eq!(options.get_username(), SUPERUSER);
    }

    #[test]
    fn socket_path_limit_is_enforced() {
        let deep = format!("/tmp/{}", "d".repeat(100));
        let err = EmbeddedCluster::new(&deep)
            .expect("absolute")
            .check_socket_path()
            .expect_err("too long");
        assert!(err.to_string().contains("choose a shorter --data-dir"));
        EmbeddedCluster::new("/var/lib/aisle")
            .expect("absolute")
            .check_socket_path()
            .expect("short enough");
    }

    #[test]
    fn socket_directories_are_quoted() {
        assert_eq!(quote_directory("/a b,c"), "\"/a b,c\"");
        assert_eq!(quote_directory("/a\"b"), "\"/a\"\"b\"");
    }
}
