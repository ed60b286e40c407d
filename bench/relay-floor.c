/*
 * relay-floor: the least a single-threaded L4 relay can do, with and without a mirror, to measure what mirroring
 * costs the kernel alone. Not a proxy for use: one epoll loop, no filters, no config.
 *
 *   relay-floor -l PORT -u UPSTREAM_PORT [-m SHADOW_PORT] [-L SECONDS]
 *
 * Listens on 127.0.0.1:PORT; each client connection is relayed to 127.0.0.1:UPSTREAM_PORT, both ways, with
 * half-close passed on. With -m, every byte the client sends is also written to a connection to
 * 127.0.0.1:SHADOW_PORT and the shadow's answer is read and thrown away (the least a mirror that compares answers
 * must do: it has to read them). A shadow that cannot take the bytes at once gets up to 1 MiB queued, beyond that it
 * is closed (the client never waits for it) and counted. -L: exit after SECONDS (default 3600). On SIGTERM or SIGINT
 * it prints the connections and the shadows abandoned to stderr and exits.
 *
 * bench/ferry-bench.sh builds it (gcc -O2) and runs it as the targets floor and floor-mirror (FERRY_BENCH_FLOOR=1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (64 * 1024)
#define SHADOW_MAX (1024 * 1024)

enum role { LISTENER, CLIENT, UPSTREAM, SHADOW };

struct conn;
struct end {            /* one socket of a relayed connection */
    enum role role;
    int fd;
    struct conn *c;
};

struct pending {        /* bytes read but not yet written to one side */
    char *buf;
    size_t off, len, cap;
};

struct conn {
    struct end client, upstream, shadow;
    struct pending to_upstream, to_client, to_shadow;
    int client_eof, upstream_eof, client_wr_shut, upstream_wr_shut, shadow_wr_shut;
    int upstream_connected, shadow_connected;
    int dead;
    struct conn *next_dead;
};

static struct conn *graveyard;   /* finished in this batch of events, freed after it */

static int ep;
static long connections, shadows_abandoned;
static volatile sig_atomic_t stopping;

static void on_term(int sig) { (void) sig; stopping = 1; }
static int shadow_port = -1;
static int upstream_port;

static void die(const char *what) { perror(what); exit(1); }


static void watch(struct end *e, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = e};
    if (epoll_ctl(ep, op, e->fd, &ev) < 0) die("epoll_ctl");
}

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

static void append(struct pending *p, const char *data, size_t n) {
    if (p->off > 0 && p->off == p->len) p->off = p->len = 0;
    if (p->len + n > p->cap) {
        if (p->off > 0) {
            memmove(p->buf, p->buf + p->off, p->len - p->off);
            p->len -= p->off;
            p->off = 0;
        }
        if (p->len + n > p->cap) {
            p->cap = p->len + n;
            p->buf = realloc(p->buf, p->cap);
            if (!p->buf) die("realloc");
        }
    }
    memcpy(p->buf + p->len, data, n);
    p->len += n;
}

/* Writes what is pending; 1 if all of it went, 0 if the socket is full, -1 on error. */
static int drain(int fd, struct pending *p) {
    while (p->off < p->len) {
        ssize_t w = send(fd, p->buf + p->off, p->len - p->off, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        p->off += (size_t) w;
    }
    p->off = p->len = 0;
    return 1;
}

/* Writes data now if nothing is pending, queues the rest; returns like drain. */
static int put(int fd, struct pending *p, const char *data, size_t n) {
    if (p->len == p->off) {
        while (n > 0) {
            ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno != EAGAIN) return -1;
                break;
            }
            data += w;
            n -= (size_t) w;
        }
        if (n == 0) return 1;
    }
    append(p, data, n);
    return 0;
}

static void free_pending(struct pending *p) { free(p->buf); }

static void abandon_shadow(struct conn *c);

static void close_shadow(struct conn *c) {
    if (c->shadow.fd >= 0) {
        close(c->shadow.fd);
        c->shadow.fd = -1;
    }
    free_pending(&c->to_shadow);
    memset(&c->to_shadow, 0, sizeof c->to_shadow);
}

/* The shadow fell more than SHADOW_MAX behind: closed and counted (the client never waits for it). */
static void abandon_shadow(struct conn *c) {
    shadows_abandoned++;
    close_shadow(c);
}

static void finish(struct conn *c) {
    close(c->client.fd);
    close(c->upstream.fd);
    close_shadow(c);
    free_pending(&c->to_upstream);
    free_pending(&c->to_client);
    c->dead = 1;
    c->next_dead = graveyard;
    graveyard = c;
}

static void update(struct conn *c) {
    /* client: read while the upstream takes everything; write interest while bytes for it wait */
    uint32_t ev = 0;
    if (!c->client_eof && c->to_upstream.len == c->to_upstream.off && c->upstream_connected) ev |= EPOLLIN;
    if (c->to_client.len > c->to_client.off) ev |= EPOLLOUT;
    watch(&c->client, ev, EPOLL_CTL_MOD);
    ev = 0;
    if (!c->upstream_eof && c->to_client.len == c->to_client.off) ev |= EPOLLIN;
    if (!c->upstream_connected || c->to_upstream.len > c->to_upstream.off) ev |= EPOLLOUT;
    watch(&c->upstream, ev, EPOLL_CTL_MOD);
    if (c->shadow.fd >= 0) {
        ev = EPOLLIN;
        if (!c->shadow_connected || c->to_shadow.len > c->to_shadow.off) ev |= EPOLLOUT;
        watch(&c->shadow, ev, EPOLL_CTL_MOD);
    }
}

/* Shuts down writes where the other side ended and nothing waits; frees the connection when both are done. */
static int progress(struct conn *c) {
    if (c->client_eof && !c->upstream_wr_shut && c->to_upstream.len == c->to_upstream.off) {
        shutdown(c->upstream.fd, SHUT_WR);
        c->upstream_wr_shut = 1;
    }
    if (c->shadow.fd >= 0 && c->shadow_connected && c->client_eof && !c->shadow_wr_shut
        && c->to_shadow.len == c->to_shadow.off) {
        shutdown(c->shadow.fd, SHUT_WR);
        c->shadow_wr_shut = 1;
    }
    if (c->upstream_eof && !c->client_wr_shut && c->to_client.len == c->to_client.off) {
        shutdown(c->client.fd, SHUT_WR);
        c->client_wr_shut = 1;
    }
    if (c->upstream_wr_shut && c->client_wr_shut) {
        finish(c);
        return 0;
    }
    update(c);
    return 1;
}

static char buf[BUF];

static void on_client(struct conn *c, uint32_t events) {
    if (events & EPOLLOUT) {
        if (drain(c->client.fd, &c->to_client) < 0) { finish(c); return; }
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->client_eof && c->upstream_connected
        && c->to_upstream.len == c->to_upstream.off) {
        ssize_t n = recv(c->client.fd, buf, BUF, 0);
        if (n == 0) {
            c->client_eof = 1;
        } else if (n < 0) {
            if (errno != EAGAIN) { finish(c); return; }
        } else {
            if (put(c->upstream.fd, &c->to_upstream, buf, (size_t) n) < 0) { finish(c); return; }
            if (c->shadow.fd >= 0) {
                if (!c->shadow_connected) append(&c->to_shadow, buf, (size_t) n);
                else if (put(c->shadow.fd, &c->to_shadow, buf, (size_t) n) < 0) close_shadow(c);
                if (c->shadow.fd >= 0 && c->to_shadow.len - c->to_shadow.off > SHADOW_MAX) abandon_shadow(c);
            }
        }
    }
    progress(c);
}

static void on_upstream(struct conn *c, uint32_t events) {
    if (events & EPOLLOUT) {
        if (!c->upstream_connected) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->upstream.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) { finish(c); return; }
            c->upstream_connected = 1;
        }
        if (drain(c->upstream.fd, &c->to_upstream) < 0) { finish(c); return; }
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->upstream_eof && c->to_client.len == c->to_client.off) {
        ssize_t n = recv(c->upstream.fd, buf, BUF, 0);
        if (n == 0) {
            c->upstream_eof = 1;
        } else if (n < 0) {
            if (errno != EAGAIN) { finish(c); return; }
        } else if (put(c->client.fd, &c->to_client, buf, (size_t) n) < 0) {
            finish(c);
            return;
        }
    }
    progress(c);
}

static void on_shadow(struct conn *c, uint32_t events) {
    if (events & EPOLLOUT) {
        if (!c->shadow_connected) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->shadow.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) { close_shadow(c); progress(c); return; }
            c->shadow_connected = 1;
        }
        if (drain(c->shadow.fd, &c->to_shadow) < 0) { close_shadow(c); progress(c); return; }
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {                              /* the shadow's answer: read and dropped */
            ssize_t n = recv(c->shadow.fd, buf, BUF, 0);
            if (n > 0) continue;
            if (n == 0 || errno != EAGAIN) { close_shadow(c); }
            break;
        }
    }
    progress(c);
}

int main(int argc, char **argv) {
    int port = -1, lifetime = 3600, opt;
    while ((opt = getopt(argc, argv, "l:u:m:L:")) != -1) {
        switch (opt) {
            case 'l': port = atoi(optarg); break;
            case 'u': upstream_port = atoi(optarg); break;
            case 'm': shadow_port = atoi(optarg); break;
            case 'L': lifetime = atoi(optarg); break;
            default: fprintf(stderr, "usage: %s -l PORT -u UPSTREAM_PORT [-m SHADOW_PORT] [-L SECONDS]\n", argv[0]);
                return 2;
        }
    }
    if (port <= 0 || upstream_port <= 0) {
        fprintf(stderr, "usage: %s -l PORT -u UPSTREAM_PORT [-m SHADOW_PORT] [-L SECONDS]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    alarm((unsigned) lifetime);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    if (listen(ls, 1024) < 0) die("listen");
    ep = epoll_create1(0);
    struct end listener = {.role = LISTENER, .fd = ls};
    watch(&listener, EPOLLIN, EPOLL_CTL_ADD);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (stopping) {
            fprintf(stderr, "relay-floor: %ld connections, %ld shadows abandoned (more than %d B behind)\n",
                    connections, shadows_abandoned, SHADOW_MAX);
            return 0;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct end *e = events[i].data.ptr;
            if (e->role == LISTENER) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    connections++;
                    struct conn *c = calloc(1, sizeof *c);
                    if (!c) die("calloc");
                    c->client = (struct end) {.role = CLIENT, .fd = fd, .c = c};
                    c->upstream = (struct end) {.role = UPSTREAM, .fd = dial(upstream_port), .c = c};
                    c->shadow = (struct end) {.role = SHADOW, .fd = shadow_port > 0 ? dial(shadow_port) : -1, .c = c};
                    watch(&c->client, 0, EPOLL_CTL_ADD);
                    watch(&c->upstream, EPOLLOUT, EPOLL_CTL_ADD);
                    if (c->shadow.fd >= 0) watch(&c->shadow, EPOLLOUT, EPOLL_CTL_ADD);
                    update(c);
                }
                continue;
            }
            struct conn *c = e->c;
            if (c->dead) continue;            /* finished earlier in this batch */
            switch (e->role) {
                case CLIENT: on_client(c, events[i].events); break;
                case UPSTREAM: on_upstream(c, events[i].events); break;
                case SHADOW: if (c->shadow.fd >= 0) on_shadow(c, events[i].events); break;
                default: break;
            }
        }
        while (graveyard) {
            struct conn *c = graveyard;
            graveyard = c->next_dead;
            free(c);
        }
    }
}
