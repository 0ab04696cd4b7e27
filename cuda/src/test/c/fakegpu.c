/*
 * A fake GPU runtime for the tests of safetensors-cuda: the subset of the CUDA runtime API (or, compiled
 * with -DHIP, of HIP) that the binding calls, on host memory. Copies really are asynchronous: each stream
 * has a worker thread that runs its copies in order after a configurable delay, and events complete when
 * their stream reaches them. Device pointers are checked against the live allocations, so a copy with a
 * wrong offset or length fails as it would on a GPU.
 *
 * Configured by fakegpu_configure (the tests call it through FFM): devices, bytes of memory per device,
 * a delay per copy in microseconds, and which async copy fails (counting from 1 after configuring; 0 none).
 * Compiled with -DCUFILE instead, the file is a fake cuFile (GPUDirect Storage) library whose reads land
 * in the fake runtime's device memory (host memory of the same process).
 * Not a product: test scaffolding only.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CUFILE
#ifdef HIP
#define API(name) hip##name
#define HOST_ALLOC hipHostMalloc
#define HOST_FREE hipHostFree
#define DEVICE_PROPERTIES hipGetDevicePropertiesR0600
#define ERR(name) "hip" name
#else
#define API(name) cuda##name
#define HOST_ALLOC cudaHostAlloc
#define HOST_FREE cudaFreeHost
#define DEVICE_PROPERTIES cudaGetDeviceProperties_v2
#define ERR(name) "cuda" name
#endif

enum { OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, INVALID_DEVICE = 101, INVALID_HANDLE = 400, NOT_READY = 600 };

#define MAX_DEVICES 8
#define MAX_ALLOCS 65536

typedef struct { char *base; size_t size; int device; int host; } alloc_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static alloc_t allocs[MAX_ALLOCS];
static size_t used[MAX_DEVICES];
static long copies;
static __thread int current;
static int device_count = 1;
static size_t memory = 1L << 30;
static long delay_us;
static long fail_copy;
/* Lifetime checks: events and streams alive, copies that ran on memory freed before they ran. */
static long live_events, live_streams, stale_copies;
/* Failure injection beyond copies: the n-th call (after configuring) of EventCreate, EventRecord or
 * StreamSynchronize fails; 0 none. */
static long fail_at[3], calls_at[3];
enum { FAIL_EVENT_CREATE = 0, FAIL_EVENT_RECORD = 1, FAIL_STREAM_SYNC = 2 };
static int failing(int what) {
    return fail_at[what] > 0 && __sync_add_and_fetch(&calls_at[what], 1) == fail_at[what];
}
void fakegpu_fail(int what, long n) { fail_at[what] = n; calls_at[what] = 0; }
long fakegpu_live_events(void) { return live_events; }
long fakegpu_live_streams(void) { return live_streams; }
long fakegpu_stale_copies(void) { return stale_copies; }

void fakegpu_configure(int n, long bytes, long delay, long fail) {
    pthread_mutex_lock(&lock);
    device_count = n;
    memory = (size_t) bytes;
    delay_us = delay;
    fail_copy = fail;
    copies = 0;
    for (int i = 0; i < 3; i++) fail_at[i] = calls_at[i] = 0;
    stale_copies = 0;
    pthread_mutex_unlock(&lock);
}

/* Bytes of page-locked host memory not yet freed: the tests' leak check for staging buffers. */
long fakegpu_live_host_bytes(void) {
    long n = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_ALLOCS; i++) {
        if (allocs[i].base && allocs[i].host) n += (long) allocs[i].size;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

static int devices(void) { return device_count; }
static size_t capacity(void) { return memory; }

/* The allocation holding [p, p + n), or NULL; host = 1 for pinned host blocks. */
static alloc_t *find(const void *p, size_t n, int host) {
    for (int i = 0; i < MAX_ALLOCS; i++) {
        alloc_t *a = &allocs[i];
        if (a->base && a->host == host && (const char *) p >= a->base && (const char *) p + n <= a->base + a->size) {
            return a;
        }
    }
    return NULL;
}

static int track(char *base, size_t size, int host) {
    for (int i = 0; i < MAX_ALLOCS; i++) {
        if (!allocs[i].base) {
            allocs[i] = (alloc_t) {base, size, current, host};
            return OK;
        }
    }
    return OUT_OF_MEMORY;
}

static int untrack(void *p, int host) {
    for (int i = 0; i < MAX_ALLOCS; i++) {
        if (allocs[i].base == p && allocs[i].host == host) {
            if (!host) used[allocs[i].device] -= allocs[i].size;
            free(allocs[i].base);
            allocs[i].base = NULL;
            return OK;
        }
    }
    return INVALID_VALUE;
}

/* ---- streams: a queue of copies run in order by one thread ---- */
typedef struct job { void *dst; const void *src; size_t n; int kind; int pinned; struct job *next; } job_t;
typedef struct {
    pthread_mutex_t m; pthread_cond_t c; job_t *head, *tail; long queued, done; int stop; pthread_t thread;
} stream_t;
typedef struct { stream_t *stream; long seq; } event_t;

static void *worker(void *arg) {
    stream_t *s = arg;
    pthread_mutex_lock(&s->m);
    for (;;) {
        while (!s->head && !s->stop) pthread_cond_wait(&s->c, &s->m);
        if (!s->head) break;
        job_t *j = s->head;
        pthread_mutex_unlock(&s->m);
        if (delay_us > 0) usleep((useconds_t) delay_us);
        if (j->n) {
            /* Both ends must still be allocated when the copy runs, as on a GPU (else a fault or garbage). */
            void *dev = j->kind == 1 ? j->dst : (void *) j->src;
            const void *host = j->kind == 1 ? j->src : j->dst;
            pthread_mutex_lock(&lock);
            int alive = find(dev, j->n, 0) != NULL && (!j->pinned || find(host, j->n, 1) != NULL);
            if (!alive) stale_copies++;
            pthread_mutex_unlock(&lock);
            if (alive) memcpy(j->dst, j->src, j->n);
        }
        pthread_mutex_lock(&s->m);
        s->head = j->next;
        if (!s->head) s->tail = NULL;
        free(j);
        s->done++;
        pthread_cond_broadcast(&s->c);
    }
    pthread_mutex_unlock(&s->m);
    return NULL;
}

int API(GetDeviceCount)(int *n) { *n = devices(); return OK; }
int API(SetDevice)(int d) { if (d < 0 || d >= devices()) return INVALID_DEVICE; current = d; return OK; }
int API(DeviceSynchronize)(void) { return OK; }
int API(RuntimeGetVersion)(int *v) { *v = 13000; return OK; }
int API(DriverGetVersion)(int *v) { *v = 13000; return OK; }

int DEVICE_PROPERTIES(void *props, int d) {
    if (d < 0 || d >= devices()) return INVALID_DEVICE;
    strcpy((char *) props, "Fake GPU (safetensors-cuda tests)");
    return OK;
}

int API(MemGetInfo)(size_t *free_bytes, size_t *total) {
    pthread_mutex_lock(&lock);
    *total = capacity();
    *free_bytes = capacity() - used[current];
    pthread_mutex_unlock(&lock);
    return OK;
}

int API(Malloc)(void **p, size_t n) {
    pthread_mutex_lock(&lock);
    int rc = OUT_OF_MEMORY;
    if (used[current] + n <= capacity() && (*p = malloc(n ? n : 1)) != NULL) {
        rc = track(*p, n, 0);
        if (rc == OK) used[current] += n; else free(*p);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int API(Free)(void *p) {
    pthread_mutex_lock(&lock);
    int rc = untrack(p, 0);
    pthread_mutex_unlock(&lock);
    return rc;
}

int HOST_ALLOC(void **p, size_t n, unsigned flags) {
    (void) flags;
    pthread_mutex_lock(&lock);
    int rc = OUT_OF_MEMORY;
    if (posix_memalign(p, 4096, n ? n : 1) == 0) rc = track(*p, n, 1);
    pthread_mutex_unlock(&lock);
    return rc;
}

int HOST_FREE(void *p) {
    pthread_mutex_lock(&lock);
    int rc = untrack(p, 1);
    pthread_mutex_unlock(&lock);
    return rc;
}

int API(HostRegister)(void *p, size_t n, unsigned flags) { (void) flags; return p && n ? OK : INVALID_VALUE; }
int API(HostUnregister)(void *p) { return p ? OK : INVALID_VALUE; }

int API(StreamCreateWithFlags)(void **out, unsigned flags) {
    (void) flags;
    stream_t *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->c, NULL);
    pthread_create(&s->thread, NULL, worker, s);
    *out = s;
    __sync_add_and_fetch(&live_streams, 1);
    return OK;
}

int API(StreamSynchronize)(void *h) {
    stream_t *s = h;
    if (!s) return INVALID_HANDLE;
    if (failing(FAIL_STREAM_SYNC)) return INVALID_HANDLE;
    pthread_mutex_lock(&s->m);
    while (s->done < s->queued) pthread_cond_wait(&s->c, &s->m);
    pthread_mutex_unlock(&s->m);
    return OK;
}

int API(StreamDestroy)(void *h) {
    stream_t *s = h;
    if (!s) return INVALID_HANDLE;
    pthread_mutex_lock(&s->m);
    while (s->done < s->queued) pthread_cond_wait(&s->c, &s->m);
    s->stop = 1;
    pthread_cond_broadcast(&s->c);
    pthread_mutex_unlock(&s->m);
    pthread_join(s->thread, NULL);
    free(s);
    __sync_sub_and_fetch(&live_streams, 1);
    return OK;
}

/* H2D (kind 1): dst must lie in device memory, src must not; D2H (kind 2) the other way round. */
static int check(void *dst, const void *src, size_t n, int kind) {
    if (kind != 1 && kind != 2) return INVALID_VALUE;
    void *dev = kind == 1 ? dst : (void *) src;
    const void *host = kind == 1 ? src : dst;
    pthread_mutex_lock(&lock);
    int ok = n == 0 || (find(dev, n, 0) != NULL && find(host, 1, 0) == NULL);
    pthread_mutex_unlock(&lock);
    return ok ? OK : INVALID_VALUE;
}

int API(MemcpyAsync)(void *dst, const void *src, size_t n, int kind, void *h) {
    stream_t *s = h;
    if (!s) return INVALID_HANDLE;
    if (fail_copy > 0 && __sync_add_and_fetch(&copies, 1) == fail_copy) return INVALID_VALUE;
    int rc = check(dst, src, n, kind);
    if (rc != OK) return rc;
    job_t *j = calloc(1, sizeof *j);
    pthread_mutex_lock(&lock);
    int pinned = n > 0 && find(kind == 1 ? src : dst, n, 1) != NULL;
    pthread_mutex_unlock(&lock);
    *j = (job_t) {dst, src, n, kind, pinned, NULL};
    pthread_mutex_lock(&s->m);
    if (s->tail) s->tail->next = j; else s->head = j;
    s->tail = j;
    s->queued++;
    pthread_cond_broadcast(&s->c);
    pthread_mutex_unlock(&s->m);
    return OK;
}

int API(Memcpy)(void *dst, const void *src, size_t n, int kind) {
    int rc = check(dst, src, n, kind);
    if (rc == OK && n) memcpy(dst, src, n);
    return rc;
}

int API(EventCreateWithFlags)(void **out, unsigned flags) {
    (void) flags;
    if (failing(FAIL_EVENT_CREATE)) return OUT_OF_MEMORY;
    *out = calloc(1, sizeof(event_t));
    __sync_add_and_fetch(&live_events, 1);
    return OK;
}

int API(EventRecord)(void *e, void *h) {
    event_t *ev = e;
    stream_t *s = h;
    if (!ev || !s) return INVALID_HANDLE;
    if (failing(FAIL_EVENT_RECORD)) return INVALID_HANDLE;
    pthread_mutex_lock(&s->m);
    ev->stream = s;
    ev->seq = s->queued;
    pthread_mutex_unlock(&s->m);
    return OK;
}

int API(EventQuery)(void *e) {
    event_t *ev = e;
    if (!ev) return INVALID_HANDLE;
    if (!ev->stream) return OK;
    pthread_mutex_lock(&ev->stream->m);
    int done = ev->stream->done >= ev->seq;
    pthread_mutex_unlock(&ev->stream->m);
    return done ? OK : NOT_READY;
}

int API(EventSynchronize)(void *e) {
    event_t *ev = e;
    if (!ev) return INVALID_HANDLE;
    if (!ev->stream) return OK;
    pthread_mutex_lock(&ev->stream->m);
    while (ev->stream->done < ev->seq) pthread_cond_wait(&ev->stream->c, &ev->stream->m);
    pthread_mutex_unlock(&ev->stream->m);
    return OK;
}

int API(EventDestroy)(void *e) {
    if (!e) return INVALID_HANDLE;
    free(e);
    __sync_sub_and_fetch(&live_events, 1);
    return OK;
}

const char *API(GetErrorName)(int rc) {
    switch (rc) {
        case OK: return ERR("Success");
        case INVALID_VALUE: return ERR("ErrorInvalidValue");
        case OUT_OF_MEMORY: return ERR("ErrorMemoryAllocation");
        case INVALID_DEVICE: return ERR("ErrorInvalidDevice");
        case INVALID_HANDLE: return ERR("ErrorInvalidResourceHandle");
        case NOT_READY: return ERR("ErrorNotReady");
        default: return ERR("ErrorUnknown");
    }
}

const char *API(GetErrorString)(int rc) {
    switch (rc) {
        case OK: return "no error";
        case INVALID_VALUE: return "invalid argument";
        case OUT_OF_MEMORY: return "out of memory";
        case INVALID_DEVICE: return "invalid device ordinal";
        case INVALID_HANDLE: return "invalid resource handle";
        case NOT_READY: return "device not ready";
        default: return "unknown error";
    }
}
#endif /* the runtime */

#ifdef CUFILE
/* ---- cuFile (GPUDirect Storage): reads land in the fake's device memory, which is host memory ---- */
typedef struct { int err; int cu_err; } CUfileError_t;
typedef struct { int type; union { int fd; void *handle; } handle; const void *fs_ops; } CUfileDescr_t;

long fakegpu_cufile_reads;

CUfileError_t cuFileDriverOpen(void) { return (CUfileError_t) {0, 0}; }
CUfileError_t cuFileDriverClose(void) { return (CUfileError_t) {0, 0}; }

CUfileError_t cuFileHandleRegister(void **fh, CUfileDescr_t *descr) {
    if (descr->type != 1 || descr->handle.fd < 0) return (CUfileError_t) {5001, 0};
    int *fd = malloc(sizeof *fd);
    *fd = descr->handle.fd;
    /* Real cuFile serves unaligned ranges itself (bounce buffers); the fake just reads through the cache. */
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_DIRECT);
    *fh = fd;
    return (CUfileError_t) {0, 0};
}

void cuFileHandleDeregister(void *fh) { free(fh); }

long cuFileRead(void *fh, void *base, size_t size, long file_offset, long base_offset) {
    __sync_add_and_fetch(&fakegpu_cufile_reads, 1);
    return (long) pread(*(int *) fh, (char *) base + base_offset, size, file_offset);
}

long fakegpu_cufile_read_count(void) { return fakegpu_cufile_reads; }
#endif
