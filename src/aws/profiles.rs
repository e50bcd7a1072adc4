//! The credential chain's own region dependencies: a profile that signs in through IAM
//! Identity Center (SSO) refreshes its token in that service's region, whatever region it
//! calls. Read from the shared config files with aws-config's own parser.

use std::borrow::Cow;

use aws_config::profile::ProfileSet;
use aws_types::os_shim_internal::{Env, Fs};

use crate::config::Config;
use crate::config::dependencies::SsoRegion;

/// The SSO region of each profile the config names (regions, `[global]`, the journal).
pub async fn sso_regions(config: &Config) -> Vec<SsoRegion> {
    let mut names: Vec<&str> = config.regions.iter().filter_map(|r| r.aws.profile.as_deref()).collect();
    names.extend(config.global.profile.as_deref());
    if let crate::config::journal::StoreConfig::Dynamodb(store) = &config.store {
        names.extend(store.profile.as_deref());
    }
    names.sort_unstable();
    names.dedup();
    let Some(first) = names.first() else { return Vec::new() };
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = match aws_config::profile::load(&Fs::real(), &Env::real(), &files, Some(Cow::Owned((*first).to_owned())))
        .await
    {
        Ok(set) => set,
        Err(e) => {
            tracing::warn!(error = %e, "shared config files unreadable: SSO regions unknown");
            return Vec::new();
        }
    };
    names
        .iter()
        .filter_map(|name| sso_region(&set, name).map(|region| SsoRegion { profile: (*name).to_owned(), region }))
        .collect()
}

/// `sso_region` of the profile, or of the `[sso-session]` it names.
fn sso_region(set: &ProfileSet, name: &str) -> Option<String> {
    let profile = set.get_profile(name)?;
    if let Some(region) = profile.get("sso_region") {
        return Some(region.to_owned());
    }
    let session = set.sso_session(profile.get("sso_session")?)?;
    session.get("sso_region").map(str::to_owned)
}
