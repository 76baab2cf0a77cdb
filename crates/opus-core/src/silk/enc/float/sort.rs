//! Partial insertion sort of floats (libopus `silk/float/sort_FLP.c`).

/// Puts the `k` largest of `a[..l]` in decreasing order into `a[..k]` and
/// their original positions into `idx[..k]` (libopus
/// `silk_insertion_sort_decreasing_FLP`). Entries past `k` are left in an
/// unspecified order. NaN compares as not larger, as in C.
///
/// # Panics
/// If `k == 0`, `k > l`, or a slice is too short.
pub fn insertion_sort_decreasing_flp(a: &mut [f32], idx: &mut [i32], l: usize, k: usize) {
    assert!(k > 0 && k <= l);
    let a = &mut a[..l];
    for (i, v) in idx[..k].iter_mut().enumerate() {
        *v = i as i32;
    }
    for i in 1..k {
        let value = a[i];
        let mut j = i;
        while j > 0 && value > a[j - 1] {
            a[j] = a[j - 1];
            idx[j] = idx[j - 1];
            j -= 1;
        }
        a[j] = value;
        idx[j] = i as i32;
    }
    for i in k..l {
        let value = a[i];
        if value > a[k - 1] {
            let mut j = k - 1;
            while j > 0 && value > a[j - 1] {
                a[j] = a[j - 1];
                idx[j] = idx[j - 1];
                j -= 1;
            }
            a[j] = value;
            idx[j] = i as i32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest() {
        let mut a = [3.0f32, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0];
        let mut idx = [0i32; 3];
        insertion_sort_decreasing_flp(&mut a, &mut idx, 8, 3);
        assert_eq!(&a[..3], &[9.0, 6.0, 5.0]);
        assert_eq!(idx, [5, 7, 4]);
        let mut a = [f32::NAN, 1.0, f32::NAN, 2.0];
        insertion_sort_decreasing_flp(&mut a, &mut idx, 4, 2);
    }
}
