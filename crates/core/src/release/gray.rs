//! Which users a gray release reaches. A user's bucket (0–99) is a keyed hash of the mini
//! program, the user and the plan, so it is stable while the plan runs and independent
//! between plans; a user is in the gray group while the bucket is below the percentage, so
//! raising the percentage only ever adds users.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Who is asking, as far as a gray release is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Not signed in: always the stable version.
    Anonymous,
    /// A member of the mini program (a "debugger"), with their bucket.
    Member(u8),
    /// A tester (an "experiencer"), with their bucket.
    Tester(u8),
    /// Anyone else signed in, with their bucket.
    User(u8),
}

/// The gray switches that decide who gets the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrayRule {
    pub percentage: i64,
    pub members_first: bool,
    pub testers_first: bool,
}

/// The user's bucket in `0..100` for one plan: HMAC-SHA256(key, appid | user | plan) mod 100.
pub fn bucket(key: &[u8], appid: &str, user: &str, plan: i64) -> u8 {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(appid.as_bytes());
    mac.update(b"|");
    mac.update(user.as_bytes());
    mac.update(b"|");
    mac.update(&plan.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let head = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
    (head % 100) as u8
}

/// Whether `who` gets the gray (new) version under `rule`.
pub fn gets_new_version(rule: GrayRule, who: Audience) -> bool {
    let within = |bucket: u8| i64::from(bucket) < rule.percentage;
    match who {
        Audience::Anonymous => false,
        Audience::Member(bucket) => rule.members_first || within(bucket),
        Audience::Tester(bucket) => rule.testers_first || within(bucket),
        Audience::User(bucket) => within(bucket),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test key";

    fn rule(percentage: i64) -> GrayRule {
        GrayRule { percentage, members_first: false, testers_first: false }
    }

    #[test]
    fn buckets_are_deterministic_and_per_plan() {
        assert_eq!(bucket(KEY, "wxa", "user:1", 1), bucket(KEY, "wxa", "user:1", 1));
        let differing = (0..200).filter(|u| {
            let user = format!("user:{u}");
            bucket(KEY, "wxa", &user, 1) != bucket(KEY, "wxa", &user, 2)
        });
        assert!(differing.count() > 150, "a new plan draws new buckets");
    }

    /// The property: for every user and every pair of percentages p ≤ q, being in the gray
    /// group at p implies being in it at q (raising the percentage never drops anyone).
    #[test]
    fn raising_the_percentage_never_drops_a_user() {
        for user in 0..500 {
            let user = format!("user:{user}");
            for plan in [1, 7, 12_345] {
                let who = Audience::User(bucket(KEY, "wx0123456789abcdef", &user, plan));
                for low in 0..=100 {
                    if gets_new_version(rule(low), who) {
                        for high in low..=100 {
                            assert!(
                                gets_new_version(rule(high), who),
                                "{user} dropped at {high}% after {low}%"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_share_follows_the_percentage() {
        let users: Vec<Audience> =
            (0..10_000).map(|u| Audience::User(bucket(KEY, "wxa", &format!("user:{u}"), 3))).collect();
        for percentage in [0, 10, 50, 100] {
            let share = users.iter().filter(|who| gets_new_version(rule(percentage), **who)).count();
            let expected = percentage as usize * 100;
            assert!(share.abs_diff(expected) <= 300, "{share} of 10000 at {percentage}%");
        }
    }

    #[test]
    fn first_groups_and_anonymous_viewers() {
        let members_first = GrayRule { percentage: 0, members_first: true, testers_first: false };
        let testers_first = GrayRule { percentage: 0, members_first: false, testers_first: true };
        assert!(gets_new_version(members_first, Audience::Member(99)));
        assert!(!gets_new_version(members_first, Audience::Tester(0)));
        assert!(gets_new_version(testers_first, Audience::Tester(99)));
        assert!(!gets_new_version(testers_first, Audience::User(0)));
        let everyone = GrayRule { percentage: 100, members_first: true, testers_first: true };
        assert!(!gets_new_version(everyone, Audience::Anonymous));
        assert!(gets_new_version(rule(100), Audience::User(99)));
        assert!(!gets_new_version(rule(0), Audience::User(0)));
    }
}
