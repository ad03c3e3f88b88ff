//! Text for titles, legends and values: numbers in a few characters,
//! reader counts and writers in words.

use crate::workload::spec::WriterMode;

/// Small numbers with at most three significant digits, big ones with an
/// SI suffix: 0.25, 12.5, 950, 12.5k, 3M.
pub(super) fn short(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    if a >= 1e12 || (a > 0.0 && a < 1e-3) {
        return format!("{v:.1e}");
    }
    let (x, suffix) = match a {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = match x.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        a if a >= 1.0 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s + suffix
}

/// "1 reader", "4 readers".
pub(super) fn readers_text(n: usize) -> String {
    match n {
        1 => "1 reader".into(),
        n => format!("{n} readers"),
    }
}

/// "no writer", "synthetic rebuild writer at 100 Hz" (the kernel never
/// rebuilds at a rate: `WriterMode::Rebuild`), "hotplug writer at 2 kHz".
pub(super) fn writer_text(writer: WriterMode, rate_hz: f64) -> String {
    let name = if writer.synthetic() {
        format!("synthetic {}", writer.name())
    } else {
        writer.name().to_string()
    };
    match writer {
        WriterMode::None => "no writer".into(),
        _ if rate_hz.abs() >= 1e3 => format!("{name} writer at {} kHz", short(rate_hz / 1e3)),
        _ => format!("{name} writer at {} Hz", short(rate_hz)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_writers_in_words() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(12.5), "12.5");
        assert_eq!(short(950.0), "950");
        assert_eq!(short(1000.0), "1k");
        assert_eq!(short(12_500.0), "12.5k");
        assert_eq!(short(3e6), "3M");
        assert_eq!(short(1e300), "1.0e300");
        assert_eq!(
            writer_text(WriterMode::Rebuild, 2000.0),
            "synthetic rebuild writer at 2 kHz"
        );
        assert_eq!(
            writer_text(WriterMode::Hotplug, 50.0),
            "hotplug writer at 50 Hz"
        );
    }
}
