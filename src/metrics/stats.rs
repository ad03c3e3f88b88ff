//! Statistics across repeats: arithmetic mean for times, harmonic mean for
//! rates, and a 95% confidence interval from Student's t.

/// Two-sided 95% Student's t quantiles for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// t quantile for `df` degrees of freedom (1.96 beyond the table).
pub fn t95(df: usize) -> f64 {
    if df == 0 {
        f64::NAN
    } else {
        T95.get(df - 1).copied().unwrap_or(1.96)
    }
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Harmonic mean (the mean of rates measured over equal amounts of work).
pub fn hmean(xs: &[f64]) -> f64 {
    xs.len() as f64 / xs.iter().map(|x| 1.0 / x).sum::<f64>()
}

/// Half-width of the 95% confidence interval of the mean (NaN for n < 2).
pub fn ci95_half_width(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    t95(n - 1) * (var / n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_and_interval() {
        assert_eq!(mean(&[1.0, 2.0, 3.0]), 2.0);
        assert!((hmean(&[1.0, 2.0]) - 4.0 / 3.0).abs() < 1e-12);
        // n = 2, values 1 and 3: sd = sqrt(2), se = 1, t(1) = 12.706.
        assert!((ci95_half_width(&[1.0, 3.0]) - 12.706).abs() < 1e-9);
        assert!(ci95_half_width(&[5.0]).is_nan());
        assert_eq!(ci95_half_width(&[4.0, 4.0, 4.0]), 0.0);
    }
}
