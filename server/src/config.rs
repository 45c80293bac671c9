//! Command line, environment and configuration file. Every flag has a `GATEHOUSE_*` twin and a key
//! of the same name in the optional TOML file (`--config` / `GATEHOUSE_CONFIG`), so the same binary
//! runs from a terminal, a service manager or a container. Precedence: flag > environment > file >
//! default; `server config check` prints each effective setting and where it came from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use app::store::Durability;

use crate::capture::limits::RateLimit;

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse: a self-hosted console and Capture-compatible API for managing properties (API clients)."
)]
pub struct Cli {
    /// An optional TOML file with the same keys as these flags (`listen = "0.0.0.0:3000"`,
    /// `trusted-proxies = ["10.0.0.0/8"]`, `secure-cookies = true`, ...). Flags and environment
    /// variables win over it.
    #[arg(long, env = "GATEHOUSE_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Address and port to listen on. Use 0.0.0.0:3000 to accept connections from other machines.
    #[arg(long, env = "GATEHOUSE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// SQLite database file. Created, with its directory, on first start.
    #[arg(
        long,
        env = "GATEHOUSE_DATABASE",
        default_value = "data/gatehouse.db",
        global = true
    )]
    pub database: PathBuf,

    /// The master key file that seals the client secrets (64 hexadecimal digits). Default:
    /// master.key beside the database, created on the first start. Back it up apart from the
    /// database.
    #[arg(long, env = "GATEHOUSE_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,

    /// What an acknowledged write survives: "normal" (a crash of the process; an operating-system
    /// crash or power loss may lose the last commits) or "full" (also those; slower writes).
    #[arg(long, env = "GATEHOUSE_DURABILITY", default_value_t = Durability::Normal, global = true)]
    pub durability: Durability,

    /// Log filter: error, warn, info, debug, trace, or a tracing filter such as "gatehouse=debug,sqlx=warn".
    #[arg(long, env = "GATEHOUSE_LOG", default_value = "info", global = true)]
    pub log_level: String,

    /// Log line format: "text" for people, "json" for log collectors.
    #[arg(
        long,
        env = "GATEHOUSE_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Folder with the built site (the /pkg bundle and public files), as `cargo leptos build` writes it.
    #[arg(long, env = "GATEHOUSE_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Proxies whose X-Forwarded-For header is believed, as CIDR blocks separated by commas
    /// (for example 127.0.0.1/32,10.0.0.0/8). Requests from anywhere else are judged by their socket address.
    #[arg(long, env = "GATEHOUSE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,

    /// Mark the console's session cookie Secure (send it over HTTPS only). Turn on when the console
    /// is served over HTTPS, e.g. behind a TLS-terminating proxy.
    #[arg(long, env = "GATEHOUSE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// API rate limit per client: RATE (requests per second; burst twice that) or RATE,BURST.
    /// 0 turns it off. Failed authentications are also limited per source address.
    #[arg(long, env = "GATEHOUSE_API_RATE_LIMIT", default_value_t = RateLimit::DEFAULT)]
    pub api_rate_limit: RateLimit,

    /// On SIGTERM or Ctrl+C: how many seconds requests in flight get to finish before the server
    /// closes their connections anyway.
    #[arg(long, env = "GATEHOUSE_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    pub shutdown_timeout: u64,

    /// Delete audit log entries older than this many days (checked at start and once a day).
    /// Unset: keep every entry forever.
    #[arg(long, env = "GATEHOUSE_AUDIT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub audit_retention_days: Option<u32>,

    /// Folder for scheduled backups: a checked copy of the live database every --backup-every,
    /// named by its UTC time (gatehouse-20261130T210000Z.db). Unset: no scheduled backups.
    #[arg(long, env = "GATEHOUSE_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,

    /// How often scheduled backups run: 24h, 6h, 30m, 7d, ...
    #[arg(long, env = "GATEHOUSE_BACKUP_EVERY", default_value = "24h", value_parser = humantime::parse_duration)]
    pub backup_every: Duration,

    /// How many scheduled backups to keep; older ones are deleted.
    #[arg(long, env = "GATEHOUSE_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,

    /// Serve Prometheus metrics at /metrics (requests, latency, Capture errors, failed
    /// authentications, sign-ins, properties, database connections, last backup).
    #[arg(long, env = "GATEHOUSE_METRICS")]
    pub metrics: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web console and the API (the default when no command is given).
    Serve,
    /// Manage the owner API client.
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// Manage console accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Read the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the database to PATH (a new file) while the server may be running
    /// and writing, check it, and print its size and property count. The master key is not in it:
    /// back the key up apart.
    Backup { path: PathBuf },
    /// Replace the database with the backup at PATH: refused while a server runs on the database;
    /// the backup's integrity and schema version are checked first; the replaced file is kept
    /// beside it (<database>.replaced-<time>).
    Restore { path: PathBuf },
    /// Write properties (name, features, whitelist, property settings; ids so an import can
    /// match them; never a secret) and the global settings as one JSON document, to standard
    /// output or --output. --search and --feature select properties as the console's list does.
    Export {
        /// Only properties whose name or id contains TEXT (ignoring case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only properties having any of these features (repeat the flag for several).
        #[arg(long = "feature", value_name = "NAME")]
        features: Vec<String>,
        /// Write the document to this new file (0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Import a document written by `export`: match each property by client id, else by name;
    /// show the plan (to create, to change with each field's difference, unchanged, to delete),
    /// ask, then apply it in one transaction. Created properties get new ids and secrets, printed
    /// once. An invalid file is reported with the position of every problem and changes nothing.
    Import {
        /// The JSON document.
        file: PathBuf,
        /// Show the plan and stop; nothing is written.
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking on the terminal.
        #[arg(long)]
        yes: bool,
        /// Also delete properties (never owners) and setting keys that the file does not have.
        #[arg(long)]
        prune: bool,
    },
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Re-seal every client secret under a new master key, in one transaction. The new key file is
    /// created (0600) if it does not exist. Then start the server with --master-key-file PATH.
    RotateMasterKey {
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every effective setting and where it came from (flag, environment, file, default);
    /// exits non-zero on an unknown key or a bad value, naming it.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the audit log as JSON lines (one object per entry, oldest first) to standard output.
    Export {
        /// Only entries at or after this UTC time: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD.
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account with a random password, printed once.
    Add {
        username: String,
        /// admin (everything) or viewer (reads; never sees secrets).
        #[arg(long, default_value = "viewer")]
        role: String,
        /// Print {"username","password"} as JSON (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// Change an account's role (the last admin cannot be demoted).
    SetRole { username: String, role: String },
    /// Give an account a new random password, printed once; its sessions end.
    ResetPassword {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// List accounts and their roles.
    List,
}

#[derive(Debug, Subcommand)]
pub enum OwnerCommand {
    /// Give the first owner a new secret and print its credentials (for an operator who lost them).
    /// The old secret stops working at once.
    ResetSecret {
        /// Print the credentials as one JSON object (for scripts) instead of a banner.
        #[arg(long)]
        json: bool,
    },
}

/// One effective setting, for `config check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    /// "flag", "environment", "file PATH" or "default".
    pub source: String,
}

/// Reads the command line, the environment and the configuration file it names, in that order of
/// precedence. Errors name the file and the key, or the flag.
pub fn load_from<I, T>(args: I) -> Result<(Cli, Vec<Setting>), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    let file = config_file_path(&args);
    let mut from_file: Vec<String> = Vec::new();
    if let Some(path) = &file {
        for (key, value) in read_config_file(path, &command)? {
            // A file value is the default that the environment and the flags override.
            let value: &'static str = Box::leak(value.into_boxed_str());
            command = command.mut_arg(key.as_str(), |arg| arg.default_value(value));
            from_file.push(key);
        }
    }
    // mut_arg moves an argument to the end: list the settings in the flags' own order.
    let order: Vec<String> = Cli::command()
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect();
    let matches = command.clone().try_get_matches_from(&args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let settings = command
        .get_arguments()
        .filter(|arg| {
            arg.get_long().is_some() && !matches!(arg.get_id().as_str(), "help" | "version")
        })
        .map(|arg| {
            let id = arg.get_id().as_str();
            let value = matches
                .get_raw(id)
                .map(|values| {
                    values
                        .map(|v| v.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let source = match matches.value_source(id) {
                Some(clap::parser::ValueSource::CommandLine) => "flag".to_string(),
                Some(clap::parser::ValueSource::EnvVariable) => "environment".to_string(),
                _ if from_file.iter().any(|k| k == id) => format!(
                    "file {}",
                    file.as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
                _ => "default".to_string(),
            };
            Setting {
                key: arg.get_long().unwrap_or(id).to_string(),
                value,
                source,
            }
        })
        .collect::<Vec<Setting>>();
    let mut settings = settings;
    settings.sort_by_key(|setting| {
        order
            .iter()
            .position(|id| id.replace('_', "-") == setting.key)
            .unwrap_or(usize::MAX)
    });
    Ok((cli, settings))
}

/// `--config PATH` (or `--config=PATH`) on the command line, else `GATEHOUSE_CONFIG`.
fn config_file_path(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut words = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        if word == "--config" {
            return words.next().map(PathBuf::from);
        }
        if let Some(path) = word.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("GATEHOUSE_CONFIG").map(PathBuf::from)
}

/// The file's values by argument id, as flag values; an unknown key or a value of the wrong shape is an
/// error naming the file and the key.
fn read_config_file(
    path: &std::path::Path,
    command: &clap::Command,
) -> Result<Vec<(String, String)>, clap::Error> {
    let fail = |message: String| {
        clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{message}\n"))
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(format!(
            "cannot read the configuration file {}: {e}",
            path.display()
        ))
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| fail(format!("{} is not valid TOML: {e}", path.display())))?;
    // (key in the file = the flag's long name, the argument's id)
    let known: Vec<(&str, &str)> = command
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(|long| (long, arg.get_id().as_str())))
        .filter(|(long, _)| !matches!(*long, "help" | "version" | "config"))
        .collect();
    let mut values = Vec::new();
    for (key, value) in table {
        let Some((_, id)) = known.iter().find(|(long, _)| *long == key) else {
            let names: Vec<&str> = known.iter().map(|(long, _)| *long).collect();
            return Err(fail(format!(
                "{}: unknown key {key:?}; the keys are the flags' names: {}",
                path.display(),
                names.join(", ")
            )));
        };
        let id = id.to_string();
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s),
                    other => Err(fail(format!(
                        "{}: {key} must be a list of strings, not {other}",
                        path.display()
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            other => {
                return Err(fail(format!(
                    "{}: {key} must be a string, a number, true/false or a list, not {other}",
                    path.display()
                )))
            }
        };
        values.push((id, text));
    }
    Ok(values)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_listen_on_loopback_port_3000() {
        let cli = Cli::try_parse_from(["gatehouse"]).unwrap();
        assert_eq!(cli.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(cli.database, PathBuf::from("data/gatehouse.db"));
    }

    #[test]
    fn trusted_proxies_are_comma_separated_cidrs() {
        let cli =
            Cli::try_parse_from(["gatehouse", "--trusted-proxies", "127.0.0.1/32,10.0.0.0/8"])
                .unwrap();
        assert_eq!(cli.trusted_proxies.len(), 2);
        assert!(Cli::try_parse_from(["gatehouse", "--trusted-proxies", "nonsense"]).is_err());
    }

    #[test]
    fn the_api_rate_limit_has_a_default_and_can_be_turned_off() {
        let cli = Cli::try_parse_from(["gatehouse"]).unwrap();
        assert_eq!(cli.api_rate_limit, RateLimit::DEFAULT);
        let cli = Cli::try_parse_from(["gatehouse", "--api-rate-limit", "0"]).unwrap();
        assert_eq!(cli.api_rate_limit, RateLimit::OFF);
        assert!(Cli::try_parse_from(["gatehouse", "--api-rate-limit", "lots"]).is_err());
    }
}
