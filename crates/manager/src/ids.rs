//! Random object ids for the live manager (the core takes ids from an `IdSource`).

use shoal_api::ids::{id_from_bits, IdSource};

#[derive(Debug, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_id(&mut self) -> String {
        id_from_bits(rand::random::<u128>())
    }
}

pub fn new_id() -> String {
    RandomIds.next_id()
}
