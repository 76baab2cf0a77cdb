use dred_opus_testvectors::{compare::*, pcm_from_bytes};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let r = pcm_from_bytes(&std::fs::read(&a[1]).unwrap());
    let t = pcm_from_bytes(&std::fs::read(&a[2]).unwrap());
    let stereo = a[3] == "2";
    let rate: u32 = a[4].parse().unwrap();
    let r = if stereo { r } else { mono_to_stereo(&r) };
    println!("{:?}", opus_compare(&r, &t, stereo, rate));
}
