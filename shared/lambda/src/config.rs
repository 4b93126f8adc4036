use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use turno_core::config::{TurnoConfig, Workspaces};

/// The workspace configuration as inline JSON.
pub const CONFIG_JSON_VAR: &str = "TURNO_CONFIG_JSON";
/// The path of the workspace configuration file, YAML (`.yaml`, `.yml`) or JSON (`.json`).
pub const CONFIG_PATH_VAR: &str = "TURNO_CONFIG";
/// Where files an inline configuration names (the bot's intents) are read from; the layer's
/// directory, `/opt`, by default. A configuration file's own directory is used otherwise.
pub const CONFIG_DIR_VAR: &str = "TURNO_CONFIG_DIR";

/// Reads and checks the workspace configuration named by the environment: inline JSON in
/// `TURNO_CONFIG_JSON`, or a file whose path is in `TURNO_CONFIG`. Exactly one must be set.
/// Every error names the variable it came from, so a bad deployment fails at start-up with the
/// fix in its first log line.
pub fn load_config() -> anyhow::Result<Workspaces> {
    let inline = non_empty_var(CONFIG_JSON_VAR)?;
    let path = non_empty_var(CONFIG_PATH_VAR)?.map(PathBuf::from);
    let dir = non_empty_var(CONFIG_DIR_VAR)?.map_or_else(|| PathBuf::from("/opt"), PathBuf::from);
    config_from(inline.as_deref(), path.as_deref(), &dir)
}

fn non_empty_var(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e @ std::env::VarError::NotUnicode(_)) => {
            Err(e).context(format!("{name} is set but is not UTF-8"))
        }
    }
}

/// Whether this function builds the workspaces' intent classifiers at start-up: only the bot
/// classifies (feature `intents`), so the other functions neither read the intents files nor
/// link the classifier.
const LOAD_INTENTS: bool = cfg!(feature = "intents");

/// [`load_config`] with the environment already read.
pub(crate) fn config_from(
    inline: Option<&str>,
    path: Option<&Path>,
    inline_dir: &Path,
) -> anyhow::Result<Workspaces> {
    read_config(inline, path, inline_dir, LOAD_INTENTS)
}

/// [`config_from`], building the intent classifiers or not.
fn read_config(
    inline: Option<&str>,
    path: Option<&Path>,
    inline_dir: &Path,
    intents: bool,
) -> anyhow::Result<Workspaces> {
    let (source, mut config) = match (inline, path) {
        (Some(_), Some(_)) => {
            bail!("both {CONFIG_JSON_VAR} and {CONFIG_PATH_VAR} are set: set only one of them")
        }
        (None, None) => bail!(
            "no workspace configuration: set {CONFIG_JSON_VAR} to the configuration as JSON, \
             or {CONFIG_PATH_VAR} to the path of a YAML or JSON configuration file"
        ),
        (Some(json), None) => {
            let config: TurnoConfig = serde_json::from_str(json)
                .with_context(|| format!("{CONFIG_JSON_VAR} is not a valid turno configuration"))?;
            (CONFIG_JSON_VAR.to_owned(), config)
        }
        (None, Some(path)) => {
            let source = format!("{CONFIG_PATH_VAR}={}", path.display());
            (source.clone(), read_file(path).context(source)?)
        }
    };
    let dir = path.and_then(Path::parent).unwrap_or(inline_dir);
    if intents {
        config
            .load_intents(|file| std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string()))
            .with_context(|| format!("{source}: the files it names cannot be used"))?;
    }
    config
        .validate()
        .with_context(|| format!("{source}: the configuration was read but is not usable"))
}

fn read_file(path: &Path) -> anyhow::Result<TurnoConfig> {
    let text = std::fs::read_to_string(path).context("cannot read the configuration file")?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("yaml" | "yml") => {
            serde_yaml_ng::from_str(&text).context("not a valid turno configuration (YAML)")
        }
        Some("json") => {
            serde_json::from_str(&text).context("not a valid turno configuration (JSON)")
        }
        _ => bail!("the configuration file must end in .yaml, .yml or .json"),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const DEMO_YAML: &str = include_str!("../../../infra/demo/turno.yaml");
    const DEMO_INTENTS: &str = include_str!("../../../infra/demo/intents.yaml");

    /// A directory holding the demo's intents, for configurations that name them.
    fn intents_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("intents.yaml"), DEMO_INTENTS).expect("write intents");
        dir
    }

    fn demo_json() -> String {
        let value: serde_json::Value =
            serde_yaml_ng::from_str(DEMO_YAML).expect("the demo configuration is YAML");
        value.to_string()
    }

    /// A file in a directory that also holds the demo's intents, as a deployment's would.
    fn file_with(extension: &str, content: &str) -> tempfile::NamedTempFile {
        static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        let dir = DIR.get_or_init(intents_dir);
        let mut file = tempfile::Builder::new()
            .suffix(extension)
            .tempfile_in(dir.path())
            .expect("temp file");
        file.write_all(content.as_bytes()).expect("write temp file");
        file
    }

    fn refusal(result: anyhow::Result<Workspaces>) -> String {
        format!(
            "{:#}",
            result.expect_err("the configuration should be refused")
        )
    }

    #[test]
    fn inline_json_configuration_is_read_and_validated() {
        let workspaces = config_from(Some(&demo_json()), None, intents_dir().path())
            .expect("valid configuration");
        assert_eq!(workspaces.iter().count(), 1);
    }

    #[test]
    fn only_a_function_that_classifies_reads_the_intents_files() {
        // The demo's configuration names intents.yaml, which this directory lacks.
        let empty = tempfile::tempdir().expect("temp dir");
        let err = refusal(read_config(Some(&demo_json()), None, empty.path(), true));
        assert!(err.contains("intents.yaml"), "{err}");
        let workspaces = read_config(Some(&demo_json()), None, empty.path(), false)
            .expect("valid without the classifier");
        let ws = workspaces.iter().next().expect("the demo workspace");
        let nlu = ws.bot.nlu.as_ref().expect("the demo configures the NLU");
        assert!(nlu.classifier().is_none(), "no classifier was built");
    }

    #[test]
    fn yaml_and_json_files_are_read_by_extension() {
        let yaml = file_with(".yaml", DEMO_YAML);
        let json = file_with(".json", &demo_json());
        assert!(config_from(None, Some(yaml.path()), Path::new("/nonexistent")).is_ok());
        assert!(config_from(None, Some(json.path()), Path::new("/nonexistent")).is_ok());
    }

    #[test]
    fn when_nothing_is_set_the_error_names_both_variables() {
        let err = refusal(config_from(None, None, intents_dir().path()));
        assert!(
            err.contains(CONFIG_JSON_VAR) && err.contains(CONFIG_PATH_VAR),
            "{err}"
        );
    }

    #[test]
    fn when_both_are_set_it_refuses_to_guess() {
        let yaml = file_with(".yaml", DEMO_YAML);
        let err = refusal(config_from(
            Some(&demo_json()),
            Some(yaml.path()),
            intents_dir().path(),
        ));
        assert!(err.contains("only one"), "{err}");
    }

    #[test]
    fn malformed_inline_json_names_the_variable() {
        let err = refusal(config_from(
            Some("{\"workspaces\": ["),
            None,
            intents_dir().path(),
        ));
        assert!(err.starts_with(CONFIG_JSON_VAR), "{err}");
    }

    #[test]
    fn missing_file_names_the_variable_and_the_path() {
        let err = refusal(config_from(
            None,
            Some(Path::new("/nonexistent/turno.yaml")),
            intents_dir().path(),
        ));
        assert!(
            err.starts_with("TURNO_CONFIG=/nonexistent/turno.yaml"),
            "{err}"
        );
    }

    #[test]
    fn file_with_an_unknown_extension_is_refused() {
        let toml = file_with(".toml", "workspaces = []");
        let err = refusal(config_from(None, Some(toml.path()), intents_dir().path()));
        assert!(err.contains(".yaml, .yml or .json"), "{err}");
    }

    #[test]
    fn configuration_that_fails_validation_names_the_variable_and_the_problem() {
        let no_workspaces = r#"{"workspaces": []}"#;
        let err = refusal(config_from(Some(no_workspaces), None, intents_dir().path()));
        assert!(err.starts_with(CONFIG_JSON_VAR), "{err}");
        assert!(err.contains("no workspaces are configured"), "{err}");
    }
}
