//! The HTTP client every download uses (the package fetcher, `builtin:fetchurl`, the
//! evaluator's fetchers): timeouts, user agent, and host names looked up once per client
//! and the answer reused by every request, as apt does over its one connection per host.
//!
//! A closure of a hundred `.deb`s is a hundred requests; with a lookup each, one lost DNS
//! reply stalls a download for the resolver's whole timeout (seconds), so the lookups,
//! not the bytes, would set the pace.
//!
//! [`resume`] downloads a file so that an interruption costs only the bytes in flight.

pub mod resume;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A new client. Clones share its connections and its looked-up hosts; HTTP error statuses
/// are returned as responses, for the caller to word.
pub fn client() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        // A whole body, however large and slow; a dead peer is caught by the kernel's
        // keepalive long before.
        .timeout_recv_body(Some(Duration::from_secs(30 * 60)))
        .http_status_as_error(false)
        .user_agent(concat!("denv/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        CachingResolver::default(),
    )
}

/// Looks hosts up with ureq's own resolver and remembers the answers.
#[derive(Debug, Default, Clone)]
struct CachingResolver {
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
