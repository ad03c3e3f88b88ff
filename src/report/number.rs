//! How values are written in tables: numbers and percentages.

use super::metric::Change;

/// A value for a table: `-` unless finite; whole numbers or >= 10^4
/// without decimals, smaller values with 2, >= 10^10 in exponent form.
pub(super) fn fmt_value(v: f64, integral: bool) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 1e10 {
        format!("{v:.3e}")
    } else if integral || v.abs() >= 1e4 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A change in percent, without the `%`, in at most 6 characters:
/// 2 decimals below 100, 1 below 1000, none below 100000, then a bound.
pub(super) fn fmt_pct(p: f64) -> String {
    let a = p.abs();
    let s = if !p.is_finite() {
        "-".to_string()
    } else if a < 99.995 {
        format!("{p:.2}")
    } else if a < 999.95 {
        format!("{p:.1}")
    } else if a < 99_999.5 {
        format!("{p:.0}")
    } else if p > 0.0 {
        ">99999".to_string()
    } else {
        "<-9999".to_string()
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0.00".to_string()
    } else {
        s
    }
}

/// `( -5.20%)`, or `* -5.20%*` where significant; always 9 characters.
pub(super) fn change_text(change: Change) -> String {
    let inner = match change.pct {
        Some(p) => format!("{:>6}%", fmt_pct(p)),
        None => format!("{:>7}", "-"),
    };
    if change.significant {
        format!("*{inner}*")
    } else {
        format!("({inner})")
    }
}

/// The change's 95% interval, `[-1.20, +3.40]`, where it has one.
pub(super) fn ci_text(change: Change) -> Option<String> {
    let (lo, hi) = change.ci?;
    let signed = |x: f64| {
        let t = fmt_pct(x);
        if x > 0.0 && t != "0.00" && !t.starts_with('>') {
            format!("+{t}")
        } else {
            t
        }
    };
    Some(format!("[{}, {}]", signed(lo), signed(hi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(fmt_value(25_090_490.4, false), "25090490");
        assert_eq!(fmt_value(10.333, false), "10.33");
        assert_eq!(fmt_value(3.0, true), "3");
        assert_eq!(fmt_value(f64::NAN, false), "-");
        assert_eq!(fmt_value(f64::INFINITY, false), "-");
        assert_eq!(fmt_value(-0.0, false), "0.00");
        assert_eq!(fmt_value(1.5e12, false), "1.500e12");
        assert_eq!(fmt_pct(-5.2), "-5.20");
        assert_eq!(fmt_pct(-0.0001), "0.00");
        assert_eq!(fmt_pct(123.44), "123.4");
        assert_eq!(fmt_pct(-12345.0), "-12345");
        assert_eq!(fmt_pct(1e9), ">99999");
        assert_eq!(fmt_pct(-1e9), "<-9999");
        for p in [-99.99, -100.0, 999.9, 99_999.0, -99_999.0, 0.5, 1e300] {
            assert!(fmt_pct(p).len() <= 6, "{p}");
        }
    }
}
