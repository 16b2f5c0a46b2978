//! A TCP hop between the bot and PostgreSQL that a test can cut, as a
//! stopped server or a broken network does: while cut, every connection
//! through it is dropped and each new one closed at once; mended, it
//! forwards again. It keeps its port all along (a released port could be
//! taken by a test running beside it).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct CutProxy {
    addr: SocketAddr,
    /// `true` while connections may pass; each one ends when it turns false.
    open: Arc<watch::Sender<bool>>,
    listening: JoinHandle<()>,
}

impl CutProxy {
    /// Forwards a free port of 127.0.0.1 to `upstream`.
    pub async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let open = Arc::new(watch::channel(true).0);
        let listening = tokio::spawn(accept(listener, upstream, open.clone()));
        CutProxy {
            addr,
            open,
            listening,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every connection and closes new ones at once.
    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    /// Forwards again.
    pub fn mend(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.open.send_replace(false);
        self.listening.abort();
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, open: Arc<watch::Sender<bool>>) {
    while let Ok((client, _)) = listener.accept().await {
        let mut open = open.subscribe();
        if !*open.borrow() {
            drop(client);
            continue;
        }
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (mut client, mut server) = (client, server);
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = open.wait_for(|open| !*open) => {}
            }
        });
    }
}
