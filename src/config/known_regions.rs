//! The Regions AWS has announced, by partition: a region name outside them is most likely a
//! typo (`eu-centrl-1`), so `check` warns and suggests the nearest one. Only a warning: a
//! Region launched after this list still works.

/// Every announced Region of the commercial, China, GovCloud and European Sovereign partitions.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "eusc-de-east-1",
];

/// `None` for a known Region; otherwise the nearest known name, when one is close enough to
/// be what was meant (`Some(None)`: unknown, and nothing like it).
pub fn unknown(name: &str) -> Option<Option<&'static str>> {
    if KNOWN_REGIONS.contains(&name) {
        return None;
    }
    let nearest = KNOWN_REGIONS
        .iter()
        .map(|known| (strsim::levenshtein(name, known), *known))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= 3)
        .map(|(_, known)| known);
    Some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_gets_the_region_it_meant() {
        assert_eq!(unknown("eu-central-1"), None);
        assert_eq!(unknown("eu-centrl-1"), Some(Some("eu-central-1")));
        assert_eq!(unknown("us-est-1"), Some(Some("us-east-1")));
        assert_eq!(unknown("mars-north-9"), Some(None));
    }
}
