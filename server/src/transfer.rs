//! `gatehouse export` and `gatehouse import`: the command-line door to the transfer operations.
//! The plan and the problems are printed for a person; the new secrets of created properties are
//! printed once, in the import's result, and never logged.

use std::io::{BufRead, Write};
use std::path::Path;

use app::clock::Clock;
use app::domain::features::Feature;
use app::ops::transfer::{self, ExportFilter, ImportError};
use app::ops::Actor;
use app::store::Store;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Largest import file read (a million properties take far less).
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

fn operator() -> Actor {
    Actor::operator(crate::capture::error::new_request_id(), Clock::System.now())
}

/// `gatehouse export`: the document to standard output or to a new file.
pub async fn export(
    store: &Store,
    search: Option<String>,
    feature_names: &[String],
    output: Option<&Path>,
) -> Result<(), BoxError> {
    let mut features = Vec::with_capacity(feature_names.len());
    for name in feature_names {
        let feature: Feature = name
            .parse()
            .map_err(|e: app::domain::features::FeatureError| format!("--feature: {e}"))?;
        features.push(feature);
    }
    let filter = ExportFilter {
        search: search.unwrap_or_default(),
        features,
        ids: Vec::new(),
    };
    let document = transfer::export(store, &operator(), &filter).await?;
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
    }
    eprintln!(
        "Gatehouse: exported {} properties and {} global settings (no secrets).",
        document.properties.len(),
        document.global_settings.len()
    );
    Ok(())
}

/// How `gatehouse import` runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub yes: bool,
    pub prune: bool,
}

/// `gatehouse import FILE`: reads and checks the file, prints the plan, asks on `answers` unless
/// `--yes`, applies, and prints what was created with the new secrets (once).
pub async fn import(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    answers: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<(), BoxError> {
    let file = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {file}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{file} has {size} bytes; an import file may have at most {MAX_FILE_BYTES}"
        )
        .into());
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let invalid = |problems: Vec<app::domain::transfer::Problem>| -> BoxError {
        for problem in &problems {
            eprintln!("{file}: {problem}");
        }
        format!(
            "{file} has {} problem(s); nothing was written",
            problems.len()
        )
        .into()
    };
    let document = app::domain::transfer::parse(&text).map_err(invalid)?;
    let actor = operator();
    let plan = match transfer::plan_import(store, &actor, &document, options.prune).await {
        Ok(plan) => plan,
        Err(ImportError::Invalid(problems)) => return Err(invalid(problems)),
        Err(other) => return Err(other.into()),
    };
    write!(out, "Plan for {file}: {}", plan.render())?;
    if options.dry_run {
        writeln!(out, "Dry run: nothing was written.")?;
        return Ok(());
    }
    if plan.is_empty() {
        writeln!(out, "Nothing to do: the database already matches the file.")?;
        return Ok(());
    }
    if !options.yes {
        write!(out, "Apply this plan? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        answers.read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            writeln!(out, "Not applied: nothing was written.")?;
            return Ok(());
        }
    }
    let created = match transfer::apply_import(store, &actor, &document, options.prune, &plan).await
    {
        Ok(created) => created,
        Err(ImportError::Invalid(problems)) => return Err(invalid(problems)),
        Err(other) => return Err(other.into()),
    };
    writeln!(
        out,
        "Applied: {} created, {} changed, {} deleted, {} global settings changed.",
        plan.creates.len(),
        plan.changes.len(),
        plan.deletes.len(),
        plan.global.len()
    )?;
    if !created.is_empty() {
        writeln!(
            out,
            "New credentials (shown only this once; hand them out now):"
        )?;
        for new in &created {
            writeln!(
                out,
                "  {:?} (properties[{}]): client_id {} client_secret {}",
                new.name, new.position, new.client_id, new.client_secret
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
