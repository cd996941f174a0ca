//! The TCP proxy between backline and PostgreSQL that the experiment cuts and restores.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// How the proxy cuts PostgreSQL off.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Every connection dropped, new ones closed at once (the server went away).
    Drop,
    /// Nothing forwarded any more, connections left hanging (a network partition).
    Stall,
}

/// A TCP proxy in front of PostgreSQL that can be cut and restored.
pub struct Proxy {
    pub addr: SocketAddr,
    mode: Mode,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    pub async fn start(target: SocketAddr, mode: Mode) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let cut = Arc::new(AtomicBool::new(false));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (is_cut, open_links) = (Arc::clone(&cut), Arc::clone(&links));
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if mode == Mode::Drop && is_cut.load(Ordering::SeqCst) {
                    continue;
                }
                let is_cut = Arc::clone(&is_cut);
                let link = tokio::spawn(async move {
                    stalled(&is_cut).await;
                    if let Ok(outbound) = TcpStream::connect(target).await {
                        let (a_read, a_write) = inbound.into_split();
                        let (b_read, b_write) = outbound.into_split();
                        tokio::select! {
                            () = forward(a_read, b_write, &is_cut) => {}
                            () = forward(b_read, a_write, &is_cut) => {}
                        }
                    }
                });
                open_links.lock().unwrap().push(link.abort_handle());
            }
        });
        Ok(Self {
            addr,
            mode,
            cut,
            links,
        })
    }

    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        if self.mode == Mode::Drop {
            for link in self.links.lock().unwrap().drain(..) {
                link.abort();
            }
        }
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// Returns once the proxy is not cut (a stalled link waits here).
async fn stalled(is_cut: &AtomicBool) {
    while is_cut.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    is_cut: &AtomicBool,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        stalled(is_cut).await;
        let Ok(n) = from.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        stalled(is_cut).await;
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
