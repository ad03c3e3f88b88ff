//! clap's parse errors as the one line bad input gets (`usage_error`),
//! built from the error's kind and context (the flag, the value, the
//! values allowed, clap's suggestion), never from its rendered text.

use clap::error::{ContextKind, ContextValue, Error, ErrorKind};

/// `e` in one line: the problem, the flag and value it concerns, what is
/// allowed, and clap's suggestion if it has one.
pub(super) fn one_line(e: &Error) -> String {
    let one = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) if !v.is_empty() => Some(v.join(", ")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    let quoted = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(format!("'{s}'")),
        Some(ContextValue::Strings(v)) if !v.is_empty() => Some(
            v.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    let arg = one(ContextKind::InvalidArg).unwrap_or_else(|| "an argument".into());
    let value = one(ContextKind::InvalidValue).unwrap_or_default();
    let mut line = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("a value is required for '{arg}' but none was supplied")
        }
        ErrorKind::InvalidValue => format!("invalid value '{value}' for '{arg}'"),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e).map_or_else(String::new, |s| format!(": {s}"));
            format!("invalid value '{value}' for '{arg}'{why}")
        }
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}'"),
        ErrorKind::InvalidSubcommand => format!(
            "unrecognized subcommand '{}'",
            one(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingSubcommand => format!(
            "'{}' needs a subcommand",
            one(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => format!("missing {arg}"),
        ErrorKind::ArgumentConflict => match quoted(ContextKind::PriorArg) {
            Some(prior) if prior == format!("'{arg}'") => {
                format!("'{arg}' cannot be given more than once")
            }
            Some(prior) => format!("'{arg}' cannot be used with {prior}"),
            None => format!("'{arg}' cannot be used with the other arguments given"),
        },
        ErrorKind::TooManyValues => format!("unexpected value '{value}' for '{arg}'"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("wrong number of values for '{arg}'")
        }
        ErrorKind::NoEquals => format!("'{arg}' takes its value after '='"),
        kind => kind.as_str().unwrap_or("invalid arguments").to_string(),
    };
    let allowed = [
        (ContextKind::ValidValue, "possible values"),
        (ContextKind::ValidSubcommand, "subcommands"),
    ];
    for (kind, what) in allowed {
        if let Some(list) = one(kind) {
            line.push_str(&format!(" [{what}: {list}]"));
        }
    }
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
        ContextKind::SuggestedSubcommand,
    ];
    if let Some(s) = suggested.into_iter().find_map(quoted) {
        line.push_str(&format!("; did you mean {s}?"));
    }
    if let Some(ContextValue::StyledStrs(tips)) = e.get(ContextKind::Suggested) {
        for tip in tips {
            line.push_str(&format!("; {tip}"));
        }
    }
    // One line whatever a value or a parser's message holds.
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::Cli;
    use super::*;
    use clap::Parser;

    fn error_of(args: &[&str]) -> String {
        let mut argv = vec!["zonebench"];
        argv.extend_from_slice(args);
        one_line(&Cli::try_parse_from(argv).expect_err("bad input"))
    }

    #[test]
    fn each_kind_names_the_flag_the_value_and_a_suggestion() {
        let e = error_of(&["run", "--pressure", "hihg"]);
        assert!(
            e.starts_with("invalid value 'hihg' for '--pressure <PRESSURE>'")
                && e.contains("[possible values: low, high]")
                && e.contains("did you mean 'high'?"),
            "{e}"
        );
        let e = error_of(&["run", "--duration", "-1"]);
        assert!(
            e.contains("invalid value '-1' for '--duration <TIME>': duration must be in (0, 86400] seconds"),
            "{e}"
        );
        let e = error_of(&["run", "--rounsd", "3"]);
        assert!(
            e.contains("unexpected argument '--rounsd'") && e.contains("'--rounds'"),
            "{e}"
        );
        let e = error_of(&["frobnicate"]);
        assert!(e.contains("unrecognized subcommand 'frobnicate'"), "{e}");
        let e = error_of(&["revew"]);
        assert!(e.contains("did you mean 'review'?"), "{e}");
        let e = error_of(&["review"]);
        assert_eq!(e, "missing --guard <GUARD>");
        let e = error_of(&["run", "--rounds", "3", "--repeats", "4"]);
        assert!(e.contains("cannot be given more than once"), "{e}");
        let e = error_of(&["run", "--solo", "--phase", "5"]);
        assert!(e.contains("cannot be used with"), "{e}");
        let e = error_of(&["run", "--scope", "slowpath,,every-alloc"]);
        assert!(e.contains("--scope") && !e.contains("Usage"), "{e}");
    }
}
