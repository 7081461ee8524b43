//! Host name lookups for the fetcher: each host is looked up once per [`Fetcher`] and the
//! answer reused by every download, as apt does over its one connection per host.
//!
//! A closure of a hundred `.deb`s is a hundred requests; with a lookup each, one lost DNS
//! reply stalls a download for the resolver's whole timeout (seconds), so the lookups,
//! not the bytes, would set the pace.
//!
//! [`Fetcher`]: super::fetch::Fetcher

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Looks hosts up with ureq's own resolver and remembers the answers.
#[derive(Debug, Default, Clone)]
pub struct CachingResolver {
    lookup: Arc<DefaultResolver>,
    answers: Arc<Mutex<HashMap<String, ResolvedSocketAddrs>>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        if let Some(known) = self.answers.lock().ok().and_then(|a| a.get(&key).cloned()) {
            return Ok(known);
        }
        let found = self.lookup.resolve(uri, config, timeout)?;
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(key, found.clone());
        }
        Ok(found)
    }
}
