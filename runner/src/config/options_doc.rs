//! The option tables of the README and docs/operations.md, generated from
//! the clap definition, so that what users read is what the runner takes.
//!
//! Each table sits between a marker that says which options it lists and
//! `<!-- end of generated options -->`. The test fails when a table differs
//! from what the definition gives; run it with `FACTORIAL_WRITE_DOCS=1` to
//! write the tables instead.

use clap::{Arg, Command, CommandFactory};

use super::Cli;

const START: &str = "<!-- generated options: ";
const END: &str = "<!-- end of generated options -->";

/// The heading of the options clap lists under none.
const DEFAULT_HEADING: &str = "Options";

/// What one marker asks for: the options of `command`, those under
/// `headings` in full, or those named in `brief`, one sentence each.
struct Table<'a> {
    command: &'a str,
    headings: Vec<&'a str>,
    brief: Vec<&'a str>,
}

impl<'a> Table<'a> {
    /// Reads a marker's `key=value` pairs, such as
    /// `command=serve headings=Options,Limits`.
    fn parse(spec: &'a str) -> Table<'a> {
        let mut table = Table {
            command: "",
            headings: Vec::new(),
            brief: Vec::new(),
        };
        for pair in spec.split_whitespace() {
            let (key, value) = pair.split_once('=').expect("key=value");
            let values = value.split(',').collect();
            match key {
                "command" => table.command = value,
                "headings" => table.headings = values,
                "brief" => table.brief = values,
                _ => panic!("unknown key {key} in {spec}"),
            }
        }
        table
    }

    fn render(&self, cli: &Command) -> String {
        let command = cli
            .find_subcommand(self.command)
            .unwrap_or_else(|| panic!("no subcommand {}", self.command));
        let options: Vec<&Arg> = command
            .get_arguments()
            .filter(|arg| long(arg).is_some())
            .collect();
        let mut lines = Vec::new();
        if self.brief.is_empty() {
            lines.push("| option | environment | default | what |".to_string());
            lines.push("| --- | --- | --- | --- |".to_string());
            for arg in options
                .iter()
                .filter(|arg| self.headings.contains(&heading(arg)))
            {
                let help = Help::of(arg);
                let env = arg.get_env().map_or("–".to_string(), |env| {
                    format!("`{}`", env.to_string_lossy())
                });
                lines.push(row(&[&option(arg), &env, &help.default, &help.what]));
            }
        } else {
            lines.push("| option | default | what |".to_string());
            lines.push("| --- | --- | --- |".to_string());
            for name in &self.brief {
                let arg = options
                    .iter()
                    .find(|arg| long(arg) == Some(name))
                    .unwrap_or_else(|| panic!("{} has no option --{name}", self.command));
                let help = Help::of(arg);
                let first = help.what.split_inclusive(". ").next().unwrap_or_default();
                lines.push(row(&[&option(arg), &help.default, first.trim_end()]));
            }
        }
        lines.join("\n")
    }
}

/// An option's help, split into its default and the rest.
struct Help {
    default: String,
    what: String,
}

impl Help {
    /// The default clap shows, else the help's sentence `Default: …`, else
    /// none; the help without that sentence.
    fn of(arg: &Arg) -> Help {
        let text = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        let mut sentences: Vec<&str> = text.split_inclusive(". ").map(str::trim).collect();
        let stated = sentences
            .iter()
            .position(|sentence| sentence.starts_with("Default: "));
        let stated = stated.map(|at| sentences.remove(at));
        let shown = match arg.get_default_values() {
            [value] if !arg.is_hide_default_value_set() => {
                Some(format!("`{}`", value.to_string_lossy()))
            }
            _ => None,
        };
        let default = match (shown, stated) {
            (Some(shown), _) => shown,
            (None, Some(stated)) => stated["Default: ".len()..]
                .trim_end_matches('.')
                .to_string(),
            (None, None) => "none".to_string(),
        };
        // clap drops the last sentence's full stop; a table cell keeps it.
        let mut what = sentences.join(" ");
        if !what.ends_with('.') {
            what.push('.');
        }
        Help { default, what }
    }
}

fn long(arg: &Arg) -> Option<&str> {
    arg.get_long()
        .filter(|long| !["help", "version"].contains(long))
}

fn option(arg: &Arg) -> String {
    let short = arg
        .get_short()
        .map_or(String::new(), |short| format!(", `-{short}`"));
    format!("`--{}`{short}", long(arg).unwrap_or_default())
}

fn heading(arg: &Arg) -> &str {
    arg.get_help_heading().unwrap_or(DEFAULT_HEADING)
}

fn row(cells: &[&str]) -> String {
    let cells: Vec<String> = cells.iter().map(|cell| cell.replace('|', "\\|")).collect();
    format!("| {} |", cells.join(" | "))
}

/// `doc` with every generated table rendered anew, and how many there are.
fn regenerate(doc: &str, cli: &Command) -> (String, usize) {
    let mut out = String::new();
    let mut rest = doc;
    let mut tables = 0;
    while let Some(start) = rest.find(START) {
        let spec_end = start + rest[start..].find(" -->").expect("a marker ends with -->");
        let spec = &rest[start + START.len()..spec_end];
        let end = rest[spec_end..]
            .find(END)
            .expect("every generated table has its end marker")
            + spec_end;
        out.push_str(&rest[..spec_end]);
        out.push_str(" -->\n");
        out.push_str(&Table::parse(spec).render(cli));
        out.push('\n');
        rest = &rest[end..];
        tables += 1;
    }
    out.push_str(rest);
    (out, tables)
}

#[test]
fn the_option_tables_are_generated_from_the_definition() {
    let cli = Cli::command();
    let write = std::env::var_os("FACTORIAL_WRITE_DOCS").is_some();
    let mut documented = Vec::new();
    for doc in ["README.md", "docs/operations.md"] {
        let path = format!("{}/../{doc}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        let (generated, tables) = regenerate(&text, &cli);
        assert!(tables > 0, "{doc} has no generated option table");
        if write {
            std::fs::write(&path, &generated).unwrap();
        } else {
            assert!(
                generated == text,
                "{doc}'s option tables differ from the definition in runner/src/config.rs; \
                 FACTORIAL_WRITE_DOCS=1 cargo test -p factorial-runner --lib options_doc writes them"
            );
        }
        documented.push(generated);
    }
    // Every option of every subcommand is in a table of docs/operations.md.
    for command in cli.get_subcommands() {
        for arg in command.get_arguments().filter(|arg| long(arg).is_some()) {
            assert!(
                documented[1].contains(&format!(
                    "\n{}",
                    row(&[&option(arg)]).trim_end_matches(" |")
                )),
                "{} {} is in no table of docs/operations.md",
                command.get_name(),
                option(arg)
            );
        }
    }
}
