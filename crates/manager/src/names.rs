//! Names for services created without `--name`: `adjective_scientist`, as Docker does.

const ADJECTIVES: &[&str] = &[
    "admiring",
    "bold",
    "brave",
    "clever",
    "eager",
    "elated",
    "festive",
    "gallant",
    "happy",
    "jolly",
    "keen",
    "lucid",
    "modest",
    "nifty",
    "optimistic",
    "quirky",
    "serene",
    "tender",
    "vibrant",
    "wizardly",
    "zealous",
    "upbeat",
    "sharp",
    "relaxed",
];

const SCIENTISTS: &[&str] = &[
    "agnesi",
    "babbage",
    "curie",
    "darwin",
    "euler",
    "fermi",
    "galileo",
    "hopper",
    "hypatia",
    "johnson",
    "kepler",
    "lamarr",
    "lovelace",
    "meitner",
    "noether",
    "pasteur",
    "ramanujan",
    "shannon",
    "tesla",
    "turing",
    "wozniak",
    "yonath",
    "zhukovsky",
    "banach",
];

/// A name not `taken`; adds a number when the plain ones run short.
pub fn generate(taken: impl Fn(&str) -> bool) -> String {
    for attempt in 0..1000u32 {
        let a = ADJECTIVES[rand::random_range(0..ADJECTIVES.len())];
        let s = SCIENTISTS[rand::random_range(0..SCIENTISTS.len())];
        let name = if attempt < 100 {
            format!("{a}_{s}")
        } else {
            format!("{a}_{s}{attempt}")
        };
        if !taken(&name) {
            return name;
        }
    }
    format!("service_{}", rand::random::<u32>())
}
