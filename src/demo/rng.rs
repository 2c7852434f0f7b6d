//! [`SeedRng`], the one source of randomness of a seeding run: the same
//! 32-byte seed gives the same numbers, picks and UUIDs in the same order.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The seeding generator: deterministic random numbers, and UUIDs that are
/// time-ordered (version 7, on a synthetic clock that ticks once per UUID).
/// Ordered keys make bulk inserts append to the indexes instead of landing at
/// random pages, as UUIDv7 keys do in production.
pub struct SeedRng {
    /// The random numbers, UUID bits included.
    rng: ChaCha8Rng,
    /// The synthetic clock of the UUIDs, in milliseconds since the Unix
    /// epoch; one tick per UUID.
    clock_millis: u64,
}

impl SeedRng {
    /// The generator of `seed`; its clock starts at 2025-01-01 plus a random
    /// offset of up to about 50 days, so that separate runs start apart.
    pub fn new(seed: [u8; 32]) -> SeedRng {
        let mut rng = ChaCha8Rng::from_seed(seed);
        let clock_millis = 1_735_689_600_000 + u64::from(rng.random::<u32>());
        SeedRng { rng, clock_millis }
    }

    /// The next UUIDv7: one millisecond after the previous one, with 10
    /// random bytes.
    pub fn uuid(&mut self) -> Uuid {
        self.clock_millis += 1;
        let random: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(self.clock_millis, &random).into_uuid()
    }

    /// One of `items`, uniformly. Panics on an empty slice (the lists are
    /// constants or hold at least one row).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.random_range(0..items.len())]
    }
}

impl rand::RngCore for SeedRng {
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn fill_bytes(&mut self, destination: &mut [u8]) {
        self.rng.fill_bytes(destination)
    }
}
