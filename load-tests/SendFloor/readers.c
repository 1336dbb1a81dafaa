/*
 * Readers for SendFloor (issue 30's floor under a delivered message): N WebSocket connections to one path, read by
 * one epoll thread that parses the frames and counts the messages in them (each ends in the record separator 0x1e,
 * as SignalR's JSON protocol ends every message). Written in C so that the readers take as little of the machine's
 * two cores as possible from the server being measured.
 *
 *   readers HOST PORT PATH plain|signalr|feed CONNECTIONS EXPECTED_PER_CONNECTION MAX_SECONDS
 *
 * signalr sends the JSON protocol's handshake after the upgrade (its answer, "{}", is one message more, not counted)
 * and a ping every 10 s (the hub's client timeout); pings from the server are not counted either. feed does the same
 * and then calls LivePoll's SubscribeFeed (its completion, one more message, not counted). Exits when
 * every connection has its expected count, when nothing has arrived for 5 s after the first message, or after
 * MAX_SECONDS; prints one line: messages received, connections short of the expected count, its own CPU seconds.
 */
#define _GNU_SOURCE
#ifndef IDLE_SECONDS
#define IDLE_SECONDS 5
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct reader {
    int fd;
    unsigned char header[14];
    int header_have;
    unsigned long long payload_left;
    long messages;
    unsigned char tail[10]; /* the last payload bytes, to tell a ping ({"type":6}) from a message */
    int tail_have;
};

static const unsigned char PING[] = "{\"type\":6}";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int header_length(const unsigned char *h, int have) {
    if (have < 2) return 2;
    int length = 2 + ((h[1] & 0x7f) == 126 ? 2 : (h[1] & 0x7f) == 127 ? 8 : 0);
    return length + ((h[1] & 0x80) ? 4 : 0);
}

/* Parses what arrived: frame headers are skipped, record separators in payloads counted. */
static void consume(struct reader *r, const unsigned char *data, long n) {
    while (n > 0) {
        if (r->payload_left == 0) {
            r->header[r->header_have++] = *data++;
            n--;
            int need = header_length(r->header, r->header_have);
            if (r->header_have < need) continue;
            int len7 = r->header[1] & 0x7f;
            unsigned long long length = len7;
            if (len7 == 126) length = ((unsigned)r->header[2] << 8) | r->header[3];
            else if (len7 == 127) {
                length = 0;
                for (int i = 2; i < 10; i++) length = (length << 8) | r->header[i];
            }
            r->header_have = 0;
            r->payload_left = length;
            continue;
        }
        long take = (unsigned long long)n < r->payload_left ? n : (long)r->payload_left;
        for (const unsigned char *p = data, *end = data + take; (p = memchr(p, 0x1e, end - p)) != NULL; p++) {
            /* The ten bytes before the separator, from this chunk or the tail of the one before. */
            unsigned char last[10];
            long here = p - data < 10 ? p - data : 10;
            int from_tail = 10 - (int)here;
            if (from_tail > r->tail_have) from_tail = r->tail_have;
            memcpy(last, r->tail + r->tail_have - from_tail, from_tail);
            memcpy(last + from_tail, p - here, here);
            if (from_tail + here != 10 || memcmp(last, PING, 10) != 0) r->messages++;
        }
        if (take >= 10) {
            memcpy(r->tail, data + take - 10, 10);
            r->tail_have = 10;
        } else {
            int keep = r->tail_have + take > 10 ? 10 - (int)take : r->tail_have;
            memmove(r->tail, r->tail + r->tail_have - keep, keep);
            memcpy(r->tail + keep, data, take);
            r->tail_have = keep + (int)take;
        }
        data += take;
        n -= take;
        r->payload_left -= take;
    }
}

static int send_masked_text(int fd, const char *text) {
    unsigned char frame[256];
    size_t length = strlen(text);
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame[0] = 0x81;
    frame[1] = 0x80 | (unsigned char)length;
    memcpy(frame + 2, mask, 4);
    for (size_t i = 0; i < length; i++) frame[6 + i] = (unsigned char)text[i] ^ mask[i % 4];
    return write(fd, frame, 6 + length) == (ssize_t)(6 + length);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: readers HOST PORT PATH plain|signalr|feed CONNECTIONS EXPECTED_PER_CONNECTION MAX_SECONDS\n");
        return 2;
    }
    const char *host = argv[1], *path = argv[3];
    int port = atoi(argv[2]), feed = strcmp(argv[4], "feed") == 0, signalr = feed || strcmp(argv[4], "signalr") == 0;
    int count = atoi(argv[5]), extra = signalr + feed;
    long expected = atol(argv[6]) + extra;
    double max_seconds = atof(argv[7]);
    struct rlimit files = {count + 64, count + 64};
    setrlimit(RLIMIT_NOFILE, &files);
    struct reader *readers = calloc(count, sizeof *readers);
    int epoll = epoll_create1(0);
    char request[512];
    snprintf(request, sizeof request,
             "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, port);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &address.sin_addr);
    unsigned char buffer[65536];
    for (int i = 0; i < count; i++) {
        struct reader *r = &readers[i];
        r->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(r->fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
        if (write(r->fd, request, strlen(request)) != (ssize_t)strlen(request)) { perror("upgrade"); return 1; }
        /* The 101 answer, read a byte at a time up to the blank line so that no frame byte is taken with it. */
        int have = 0;
        while (have < 4 || memcmp(buffer + have - 4, "\r\n\r\n", 4) != 0) {
            if (have == (int)sizeof buffer || read(r->fd, buffer + have, 1) != 1) { fprintf(stderr, "connection %d: no upgrade\n", i); return 1; }
            have++;
        }
        if (strncmp((char *)buffer, "HTTP/1.1 101", 12) != 0) {
            fprintf(stderr, "connection %d: %.*s\n", i, (int)strcspn((char *)buffer, "\r"), buffer);
            return 1;
        }
        if ((signalr && !send_masked_text(r->fd, "{\"protocol\":\"json\",\"version\":1}\x1e")) ||
            (feed && !send_masked_text(r->fd, "{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeFeed\",\"arguments\":[null]}\x1e"))) {
            perror("handshake");
            return 1;
        }
        fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = r};
        epoll_ctl(epoll, EPOLL_CTL_ADD, r->fd, &event);
    }
    fprintf(stderr, "readers: %d connected to %s%s\n", count, host, path);
    double started = now(), last = 0, pinged = started;
    long total = 0, goal = expected * count;
    struct epoll_event events[256];
    while (total < goal && now() - started < max_seconds && (last == 0 || now() - last < IDLE_SECONDS)) {
        if (signalr && now() - pinged > 10) {
            for (int i = 0; i < count; i++) send_masked_text(readers[i].fd, "{\"type\":6}\x1e");
            pinged = now();
        }
        int ready = epoll_wait(epoll, events, 256, 200);
        for (int e = 0; e < ready; e++) {
            struct reader *r = events[e].data.ptr;
            for (;;) {
                ssize_t n = read(r->fd, buffer, sizeof buffer);
                if (n > 0) {
                    long before = r->messages;
                    consume(r, buffer, n);
                    total += r->messages - before;
                    last = now();
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    epoll_ctl(epoll, EPOLL_CTL_DEL, r->fd, NULL);
                }
                break;
            }
        }
    }
    int short_of = 0;
    for (int i = 0; i < count; i++) short_of += readers[i].messages < expected;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("readers: %ld messages received of %ld expected, %d connections short, reader CPU %.2f s\n",
           total - (long)extra * count, goal - (long)extra * count, short_of,
           usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
    for (int i = 0; i < count; i++) close(readers[i].fd);
    return short_of == 0 ? 0 : 1;
}
