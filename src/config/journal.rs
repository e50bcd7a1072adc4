//! `[journal]`: where a shared incident's record lives. `store = "file"` (the default) is the
//! journal file of `--journal`, shared by the terminals of one host; `store = "dynamodb"`
//! keeps the incident in a DynamoDB table in several regions, for teams on many machines.

use chrono::Duration;
use serde::Deserialize;
use toml::Spanned;

use super::aws::{is_table_name, is_url};
use super::{Bounds, Validator, is_region_name, text_value};
use crate::text::duration::ConfigDuration;
use crate::toml_source::TomlError;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum StoreConfig {
    /// The journal file (`--journal FILE`, or one per incident in the data dir).
    #[default]
    File,
    Dynamodb(DynamoStore),
}

/// A DynamoDB store: the same table name in every region of `regions`.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamoStore {
    pub table: String,
    /// Where entries are written, in order: every reachable one, so the record survives the
    /// loss of any one region.
    pub regions: Vec<String>,
    /// Where claims live (conditional writes are region-local): never another region.
    pub claims_region: String,
    pub profile: Option<String>,
    /// The endpoint for every journal region without one of its own.
    pub endpoint_url: Option<String>,
    /// Per-region endpoints (`[journal.endpoint-urls]`), so one journal region can be taken
    /// away alone, as a region's own endpoint can.
    pub endpoint_urls: Vec<(String, String)>,
    /// How far behind another machine's clock may be: a follower re-reads this much before
    /// the newest entry it has, so a writer whose clock runs behind is not missed.
    pub clock_skew: Duration,
}

impl DynamoStore {
    /// The endpoint the store's client in `region` talks to, if not AWS's own.
    pub fn endpoint_for(&self, region: &str) -> Option<&str> {
        self.endpoint_urls
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, url)| url.as_str())
            .or(self.endpoint_url.as_deref())
    }
}

pub(super) const CLOCK_SKEW_BOUNDS: Bounds = (Duration::zero(), Duration::minutes(10));
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::seconds(60);

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawJournal {
    store: Option<Spanned<String>>,
    table: Option<Spanned<String>>,
    regions: Option<Spanned<Vec<Spanned<String>>>>,
    claims_region: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    endpoint_url: Option<Spanned<String>>,
    endpoint_urls: Option<Spanned<std::collections::BTreeMap<String, Spanned<String>>>>,
    clock_skew: Option<Spanned<ConfigDuration>>,
}

impl RawJournal {
    /// `primary` is the config's primary region: claims default away from it, since the
    /// region an incident is about is the one most likely not to answer.
    pub(super) fn validate(self, v: &Validator<'_>, primary: Option<&str>) -> Result<StoreConfig, TomlError> {
        let store = self.store.as_ref().map_or("file", |s| s.get_ref().as_str());
        match store {
            "file" => {
                let dynamo_only = [
                    self.table.as_ref().map(|s| ("table", s.span())),
                    self.regions.as_ref().map(|s| ("regions", s.span())),
                    self.claims_region.as_ref().map(|s| ("claims-region", s.span())),
                    self.profile.as_ref().map(|s| ("profile", s.span())),
                    self.endpoint_url.as_ref().map(|s| ("endpoint-url", s.span())),
                    self.endpoint_urls.as_ref().map(|s| ("endpoint-urls", s.span())),
                    self.clock_skew.as_ref().map(|s| ("clock-skew", s.span())),
                ];
                if let Some((key, span)) = dynamo_only.into_iter().flatten().next() {
                    return v.err(
                        Some(span),
                        format!("journal.{key} is for store = \"dynamodb\"; the file store has none"),
                    );
                }
                Ok(StoreConfig::File)
            }
            "dynamodb" => self.dynamodb(v, primary).map(StoreConfig::Dynamodb),
            other => {
                let span = self.store.as_ref().map(Spanned::span);
                v.err(span, format!("journal.store = \"{other}\" is not a store: \"file\" or \"dynamodb\""))
            }
        }
    }

    fn dynamodb(self, v: &Validator<'_>, primary: Option<&str>) -> Result<DynamoStore, TomlError> {
        let Some(table) = self.table else {
            return v.err(v.table("journal"), "[journal] store = \"dynamodb\" needs table = \"<table name>\"");
        };
        if !is_table_name(table.get_ref()) {
            return v.err(
                Some(table.span()),
                format!(
                    "journal.table `{}` is not a DynamoDB table name (3–255 letters, digits, _ - .)",
                    table.get_ref()
                ),
            );
        }
        let Some(listed) = self.regions else {
            return v.err(
                v.table("journal"),
                "[journal] store = \"dynamodb\" needs regions = [\"us-east-1\", \"us-west-2\"]",
            );
        };
        let span = listed.span();
        let mut regions: Vec<String> = Vec::new();
        for r in listed.into_inner() {
            if !is_region_name(r.get_ref()) {
                return v.err(Some(r.span()), format!("journal.regions: `{}` is not an AWS Region name", r.get_ref()));
            }
            if regions.contains(r.get_ref()) {
                return v.err(Some(r.span()), format!("journal.regions lists {} twice", r.get_ref()));
            }
            regions.push(r.into_inner());
        }
        let Some(first) = regions.first().cloned() else {
            return v.err(Some(span), "journal.regions must name at least one region");
        };
        let away_from_primary = regions.iter().find(|r| Some(r.as_str()) != primary).cloned().unwrap_or(first);
        let claims_region = match self.claims_region {
            None => away_from_primary,
            Some(c) if !regions.contains(c.get_ref()) => {
                return v.err(
                    Some(c.span()),
                    format!(
                        "journal.claims-region {} is not one of journal.regions ({})",
                        c.get_ref(),
                        regions.join(", ")
                    ),
                );
            }
            Some(c) => c.into_inner(),
        };
        if let Some(url) = &self.endpoint_url
            && !is_url(url.get_ref())
        {
            return v.err(
                Some(url.span()),
                format!("journal.endpoint-url `{}` is not an http:// or https:// URL", url.get_ref()),
            );
        }
        let mut endpoint_urls = Vec::new();
        for (region, url) in self.endpoint_urls.map(Spanned::into_inner).unwrap_or_default() {
            if !regions.contains(&region) {
                return v.err(
                    Some(url.span()),
                    format!(
                        "journal.endpoint-urls names {region}, which is not one of journal.regions ({})",
                        regions.join(", ")
                    ),
                );
            }
            if !is_url(url.get_ref()) {
                return v.err(
                    Some(url.span()),
                    format!("journal.endpoint-urls.{region} `{}` is not an http:// or https:// URL", url.get_ref()),
                );
            }
            endpoint_urls.push((region, url.into_inner()));
        }
        Ok(DynamoStore {
            table: table.into_inner(),
            regions,
            claims_region,
            profile: text_value(v, self.profile, "journal.profile")?,
            endpoint_url: self.endpoint_url.map(Spanned::into_inner),
            endpoint_urls,
            clock_skew: v.duration(self.clock_skew, DEFAULT_CLOCK_SKEW, "journal.clock-skew", CLOCK_SKEW_BOUNDS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_dynamodb_store_with_its_defaults() {
        let text = "[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-west-2\", \"us-east-1\"]\n";
        let config = Config::parse("t.toml", text).unwrap();
        let StoreConfig::Dynamodb(store) = config.store else { panic!("{:?}", config.store) };
        assert_eq!(store.regions, ["us-west-2", "us-east-1"]);
        assert_eq!(store.claims_region, "us-west-2", "claims live in the first non-primary region unless told");
        let primary_first = "[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-east-1\", \"us-west-2\"]\n";
        let StoreConfig::Dynamodb(store) = Config::parse("t.toml", primary_first).unwrap().store else { panic!() };
        assert_eq!(store.claims_region, "us-west-2", "claims default away from the primary (us-east-1)");
        assert_eq!(store.clock_skew, DEFAULT_CLOCK_SKEW);
        assert_eq!(Config::parse("t.toml", "").unwrap().store, StoreConfig::File);
        let listed_twice =
            "[journal]\nstore = \"dynamodb\"\ntable = \"t-1\"\nregions = [\"us-east-1\", \"us-east-1\"]\n";
        let e = Config::parse("t.toml", listed_twice).unwrap_err().to_string();
        assert!(e.contains("t.toml:4:25: journal.regions lists us-east-1 twice"), "{e}");
    }
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn each_journal_region_can_have_its_own_endpoint() {
        let text = "[journal]\nstore = \"dynamodb\"\ntable = \"t-1\"\nregions = [\"us-east-1\", \"us-west-2\"]\nendpoint-url = \"http://127.0.0.1:1\"\n[journal.endpoint-urls]\nus-west-2 = \"http://127.0.0.1:2\"\n";
        let StoreConfig::Dynamodb(store) = Config::parse("t.toml", text).unwrap().store else { panic!() };
        assert_eq!(store.endpoint_for("us-west-2"), Some("http://127.0.0.1:2"));
        assert_eq!(store.endpoint_for("us-east-1"), Some("http://127.0.0.1:1"), "the shared one is the default");
        let stranger = text.replace("us-west-2 = ", "eu-west-1 = ");
        let e = Config::parse("t.toml", &stranger).unwrap_err().to_string();
        assert!(e.contains("t.toml:7:13: journal.endpoint-urls names eu-west-1, which is not one of"), "{e}");
        let bad = text.replace("\"http://127.0.0.1:2\"", "\"ftp://x\"");
        let e = Config::parse("t.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("journal.endpoint-urls.us-west-2 `ftp://x` is not an http"), "{e}");
    }
}
