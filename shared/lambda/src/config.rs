use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use turno_core::config::{TurnoConfig, Workspaces};

/// The workspace configuration as inline JSON.
pub const CONFIG_JSON_VAR: &str = "TURNO_CONFIG_JSON";
/// The path of the workspace configuration file, YAML (`.yaml`, `.yml`) or JSON (`.json`).
pub const CONFIG_PATH_VAR: &str = "TURNO_CONFIG";

/// Reads and checks the workspace configuration named by the environment: inline JSON in
/// `TURNO_CONFIG_JSON`, or a file whose path is in `TURNO_CONFIG`. Exactly one must be set.
/// Every error names the variable it came from, so a bad deployment fails at start-up with the
/// fix in its first log line.
pub fn load_config() -> anyhow::Result<Workspaces> {
    let inline = non_empty_var(CONFIG_JSON_VAR)?;
    let path = non_empty_var(CONFIG_PATH_VAR)?.map(PathBuf::from);
    config_from(inline.as_deref(), path.as_deref())
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

/// [`load_config`] with the environment already read.
pub(crate) fn config_from(inline: Option<&str>, path: Option<&Path>) -> anyhow::Result<Workspaces> {
    let (source, config) = match (inline, path) {
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

/// A YAML configuration, checked.
#[cfg(feature = "testing")]
pub(crate) fn config_from_yaml(text: &str) -> anyhow::Result<Workspaces> {
    Ok(serde_yaml_ng::from_str::<TurnoConfig>(text)?.validate()?)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const DEMO_YAML: &str = include_str!("../../../infra/demo/turno.yaml");

    fn demo_json() -> String {
        let value: serde_json::Value =
            serde_yaml_ng::from_str(DEMO_YAML).expect("the demo configuration is YAML");
        value.to_string()
    }

    fn file_with(extension: &str, content: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new()
            .suffix(extension)
            .tempfile()
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
        let workspaces = config_from(Some(&demo_json()), None).expect("valid configuration");
        assert_eq!(workspaces.iter().count(), 1);
    }

    #[test]
    fn yaml_and_json_files_are_read_by_extension() {
        let yaml = file_with(".yaml", DEMO_YAML);
        let json = file_with(".json", &demo_json());
        assert!(config_from(None, Some(yaml.path())).is_ok());
        assert!(config_from(None, Some(json.path())).is_ok());
    }

    #[test]
    fn when_nothing_is_set_the_error_names_both_variables() {
        let err = refusal(config_from(None, None));
        assert!(
            err.contains(CONFIG_JSON_VAR) && err.contains(CONFIG_PATH_VAR),
            "{err}"
        );
    }

    #[test]
    fn when_both_are_set_it_refuses_to_guess() {
        let yaml = file_with(".yaml", DEMO_YAML);
        let err = refusal(config_from(Some(&demo_json()), Some(yaml.path())));
        assert!(err.contains("only one"), "{err}");
    }

    #[test]
    fn malformed_inline_json_names_the_variable() {
        let err = refusal(config_from(Some("{\"workspaces\": ["), None));
        assert!(err.starts_with(CONFIG_JSON_VAR), "{err}");
    }

    #[test]
    fn missing_file_names_the_variable_and_the_path() {
        let err = refusal(config_from(
            None,
            Some(Path::new("/nonexistent/turno.yaml")),
        ));
        assert!(
            err.starts_with("TURNO_CONFIG=/nonexistent/turno.yaml"),
            "{err}"
        );
    }

    #[test]
    fn file_with_an_unknown_extension_is_refused() {
        let toml = file_with(".toml", "workspaces = []");
        let err = refusal(config_from(None, Some(toml.path())));
        assert!(err.contains(".yaml, .yml or .json"), "{err}");
    }

    #[test]
    fn configuration_that_fails_validation_names_the_variable_and_the_problem() {
        let no_workspaces = r#"{"workspaces": []}"#;
        let err = refusal(config_from(Some(no_workspaces), None));
        assert!(err.starts_with(CONFIG_JSON_VAR), "{err}");
        assert!(err.contains("no workspaces are configured"), "{err}");
    }
}
