//! A TCP proxy in front of the test's PostgreSQL server, to take the
//! database away from the app and give it back: [`Proxy::go_dark`] drops
//! every connection through it and refuses new ones (what the app sees when
//! the server stops: its connections end, new ones fail), [`Proxy::restore`]
//! lets connections through again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running proxy; stops with the test's runtime.
pub struct Proxy {
    /// Where clients connect.
    pub address: SocketAddr,
    dark: Arc<AtomicBool>,
    /// Bumped to end every connection open at the time.
    generation: watch::Sender<u64>,
}

impl Proxy {
    /// Listens on a free port and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let dark = Arc::new(AtomicBool::new(false));
        let (generation, _) = watch::channel(0u64);
        let proxy = Proxy {
            address,
            dark: dark.clone(),
            generation: generation.clone(),
        };
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if dark.load(Ordering::SeqCst) {
                    // Refused: closed before a byte is exchanged.
                    drop(client);
                    continue;
                }
                let mut ended = generation.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = ended.changed() => {}
                    }
                });
            }
        });
        proxy
    }

    /// Ends every connection through the proxy and refuses new ones.
    pub fn go_dark(&self) {
        self.dark.store(true, Ordering::SeqCst);
        self.generation.send_modify(|generation| *generation += 1);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.dark.store(false, Ordering::SeqCst);
    }

    /// `url` (a PostgreSQL URL) pointed at the proxy instead of its server.
    pub fn url_through(&self, url: &str) -> String {
        let scheme_end = url.find("://").expect("a URL") + 3;
        let rest = &url[scheme_end..];
        let host_start = rest.find('@').map_or(0, |at| at + 1);
        let host_end = rest[host_start..]
            .find(['/', '?'])
            .map_or(rest.len(), |end| host_start + end);
        format!(
            "{}{}{}{}",
            &url[..scheme_end],
            &rest[..host_start],
            self.address,
            &rest[host_end..]
        )
    }
}

/// The address a PostgreSQL URL's server listens on.
pub fn server_address(url: &str) -> SocketAddr {
    let rest = &url[url.find("://").expect("a URL") + 3..];
    let host_start = rest.find('@').map_or(0, |at| at + 1);
    let host_end = rest[host_start..]
        .find(['/', '?'])
        .map_or(rest.len(), |end| host_start + end);
    let host_port = &rest[host_start..host_end];
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let host_port = host_port.replace("localhost", "127.0.0.1");
    host_port.parse().expect("a numeric server address")
}

#[test]
fn a_url_is_pointed_at_the_proxy_with_its_path_and_query_kept() {
    let url = "postgres://postgres@127.0.0.1:55432/cg_x?sslmode=disable";
    assert_eq!(
        server_address(url),
        "127.0.0.1:55432".parse::<SocketAddr>().unwrap()
    );
}
