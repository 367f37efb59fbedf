/* The fast explorer's hot loop, in C: the synchronous network, the asynchronous one (a bag of
 * messages in flight, which may arrive, be lost or be copied), and symmetry reduction.
 *
 * ``checker.search.parallel._Worker.expand`` spends nearly all of a search of the synchronous model in
 * a short loop: take a world of the frontier, make each of its successors out of memoised
 * single-node transitions, check the transition properties through memoised verdicts, spell
 * the successor in global form, fingerprint it and file it under its owner. Every one of those
 * operations is a list index, a dictionary lookup or a small tuple; here they run without the
 * interpreter in between.
 *
 * Nothing here decides anything the Python code does not: the memo tables are the Python
 * ``Encoded`` and ``Judge`` dictionaries themselves, read with the same integer keys, and a
 * lookup that misses calls the very Python method that would have filled it (``_receive``,
 * ``_act``, ``_observe``, ``Judge.step``). Successors are made in ``Encoded.successors``'s order
 * with its positions; fingerprints are Python's ``hash`` of the same global-form tuple; the
 * owner is the same hash of the node states. On the asynchronous network the messages in flight
 * are kept in the plain model's order (their ``repr``, compared here as the same UTF-8 bytes)
 * and a step that leaves more than ``max_in_flight`` of them is not taken, as in ``_finish``.
 * With symmetry reduction a world is filed under ``Encoded.canonical_fingerprint``: the smallest
 * fingerprint over the renamings of its nodes, each renamed part looked up in a table of its
 * own and, on a miss, asked of ``Encoded.relabel_node_new`` and its siblings.
 * ``tests/test_engine.py`` holds this loop to the Python one, world for world and record for
 * record.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The head of a packed record, struct '<qIIB': parent's fingerprint, action position with the
 * changed parts, parent's position, maker. The world follows as little-endian uint32s. */
#define HEAD 17
#define MAX_NODES 24
/* A world for another owner, in global form, struct '<qqII{k}qIIIq': its fingerprint, the
 * parent's, the action position with the changed parts, the parent's position, then the node
 * states' fingerprints, cut, crashed, requests and the ghost history's fingerprint. */
#define GLOBAL(k) (24 + 8 * (k) + 12 + 8)
/* On the asynchronous network a global record goes on with the number of messages in flight
 * (uint32) and their fingerprints (int64 each), in the world's order. */
#define NET_COUNT(k) GLOBAL(k)
/* Messages in flight a world may hold (a larger max_in_flight runs on the Python loop), and the
 * nodes a search with symmetry reduction may have here (their renamings are tried one by one). */
#define MAX_NET 64
#define MAX_SYMMETRY_NODES 6
/* Room for one world's integers, messages sent by its last step included. */
#define WORLD_MAX (MAX_NODES + 4 + MAX_NET + 64)

/* The numbers shared with checker/search/layout.py, exposed as ``_native.LAYOUT`` and held to it by
 * tests/test_native_kinds.py. Kinds of action (``Kind``): the network's three are the
 * asynchronous model's only. */
enum { TICK, REQUEST, CUT, HEAL, CRASH, RESTART, DELIVER, DROP, DUPLICATE };
/* Single-node transitions without a message (``Act``): two bits of the acted table's key. */
enum { ACT_HEARTBEAT, ACT_TIMEOUT, ACT_REQUEST, ACT_RESTART };
/* The parts of a world after its k node states, as offsets from k (``AT_*``); a synchronous
 * world, with nothing in flight, is k + AT_NET integers long. */
enum { AT_CUT, AT_CRASHED, AT_REQUESTS, AT_GHOST, AT_NET };

/* ---- Copies the C loop keeps of the Python tables ---- */

/* Room in the growable array ``*at`` (of ``*capacity`` items of ``item`` bytes) for ``need`` items,
 * doubling from ``first``. */
static int
reserve(void **at, size_t *capacity, size_t need, size_t item, size_t first)
{
    if (need <= *capacity)
        return 0;
    size_t grown = *capacity ? *capacity : first;
    while (grown < need)
        grown *= 2;
    void *moved = PyMem_Realloc(*at, item * grown);
    if (moved == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *at = moved;
    *capacity = grown;
    return 0;
}

/* A Python list of integers that only grows (an attribute of every interned node state, message
 * or ghost history), copied into a C array as far as it has been read. */
typedef struct {
    PyObject *list;
    int64_t *at;
    Py_ssize_t size;
    size_t capacity;
} Mirror;

static int
mirror_catch_up(Mirror *m, long i)
{
    Py_ssize_t n = PyList_GET_SIZE(m->list);
    if (i < 0 || i >= n) {
        PyErr_Format(PyExc_IndexError, "interned index %ld out of range", i);
        return -1;
    }
    if (reserve((void **)&m->at, &m->capacity, (size_t)n, sizeof(int64_t), 1024) < 0)
        return -1;
    for (Py_ssize_t j = m->size; j < n; j++) {
        long long v = PyLong_AsLongLong(PyList_GET_ITEM(m->list, j)); /* bool is an int too */
        if (v == -1 && PyErr_Occurred())
            return -1;
        m->at[j] = v;
    }
    m->size = n;
    return 0;
}

static inline int
get(Mirror *m, long i, int64_t *out)
{
    if ((unsigned long)i >= (unsigned long)m->size && mirror_catch_up(m, i) < 0)
        return -1;
    *out = m->at[i];
    return 0;
}

/* The plain model's order of messages in flight (``Encoded.order``, a list of ``repr`` strings that
 * only grows), as far as it has been read: borrowed UTF-8 buffers of the strings the list keeps
 * alive. Comparing them byte by byte orders them as Python compares the strings. */
typedef struct {
    PyObject *list;
    const char **at;
    Py_ssize_t size;
    size_t capacity;
} Orders;

static int
orders_catch_up(Orders *o, long i)
{
    Py_ssize_t n = PyList_GET_SIZE(o->list);
    if (i < 0 || i >= n) {
        PyErr_Format(PyExc_IndexError, "interned message %ld has no order", i);
        return -1;
    }
    if (reserve((void **)&o->at, &o->capacity, (size_t)n, sizeof(char *), 1024) < 0)
        return -1;
    for (Py_ssize_t j = o->size; j < n; j++) {
        PyObject *text = PyList_GET_ITEM(o->list, j);
        const char *utf8 = PyUnicode_Check(text) ? PyUnicode_AsUTF8(text) : NULL;
        if (utf8 == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a message's order must be a str");
            return -1;
        }
        o->at[j] = utf8;
    }
    o->size = n;
    return 0;
}

static inline int
order_of(Orders *o, long i, const char **out)
{
    if ((unsigned long)i >= (unsigned long)o->size && orders_catch_up(o, i) < 0)
        return -1;
    *out = o->at[i];
    return 0;
}

/* A memo table from 64-bit keys (as in checker/search/encoded.py) to 64-bit values, open addressing: one
 * cache line read per lookup, where a Python dictionary reads its slot, the key object and the
 * value objects. Emptied, like Judge's dictionaries, when it reaches its limit. */
typedef struct {
    uint64_t key, value;
} Slot;

typedef struct {
    Slot *slots;
    size_t capacity, used, limit;
    int shift;
} Table;

#define FREE UINT64_MAX

static inline size_t
slot_of(const Table *t, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> t->shift);
}

static inline int
table_get(const Table *t, uint64_t key, uint64_t *value)
{
    if (t->capacity == 0)
        return 0;
    size_t mask = t->capacity - 1;
    for (size_t i = slot_of(t, key);; i = (i + 1) & mask) {
        const Slot *slot = &t->slots[i];
        if (slot->key == key) {
            *value = slot->value;
            return 1;
        }
        if (slot->key == FREE)
            return 0;
    }
}

static void
table_place(Table *t, uint64_t key, uint64_t value)
{
    size_t mask = t->capacity - 1, i = slot_of(t, key);
    while (t->slots[i].key != FREE && t->slots[i].key != key)
        i = (i + 1) & mask;
    if (t->slots[i].key == FREE)
        t->used++;
    t->slots[i].key = key;
    t->slots[i].value = value;
}

static int
table_put(Table *t, uint64_t key, uint64_t value)
{
    if (key == FREE) {
        PyErr_SetString(PyExc_OverflowError, "a memo key is out of range");
        return -1;
    }
    if (t->used >= t->limit) {
        memset(t->slots, 0xff, sizeof(Slot) * t->capacity);
        t->used = 0;
    }
    if ((t->used + 1) * 2 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 1024;
        Slot *old = t->slots, *slots = PyMem_Malloc(sizeof(Slot) * capacity);
        if (slots == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memset(slots, 0xff, sizeof(Slot) * capacity);
        size_t before = t->capacity;
        t->slots = slots;
        t->capacity = capacity;
        t->used = 0;
        t->shift = 64 - __builtin_ctzll((unsigned long long)capacity);
        for (size_t i = 0; i < before; i++)
            if (old[i].key != FREE)
                table_place(t, old[i].key, old[i].value);
        PyMem_Free(old);
    }
    table_place(t, key, value);
    return 0;
}

static void
table_init(Table *t, size_t limit)
{
    PyMem_Free(t->slots);
    t->slots = NULL;
    t->capacity = t->used = 0;
    t->limit = limit;
}

/* Lists of messages sent, for the transition memos: [count, message, ...] at an offset. */
typedef struct {
    uint32_t *at;
    size_t size, capacity;
} Pool;

static int
pool_add(Pool *pool, PyObject *messages, uint64_t *offset)
{
    if (!PyTuple_Check(messages)) {
        PyErr_SetString(PyExc_TypeError, "messages sent must be a tuple");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(messages);
    if (reserve((void **)&pool->at, &pool->capacity, pool->size + n + 1, sizeof(uint32_t), 4096) < 0)
        return -1;
    uint32_t *p = pool->at + pool->size;
    p[0] = (uint32_t)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        long m = PyLong_AsLong(PyTuple_GET_ITEM(messages, i));
        if (m == -1 && PyErr_Occurred())
            return -1;
        p[i + 1] = (uint32_t)m;
    }
    *offset = pool->size;
    pool->size += n + 1;
    return 0;
}

/* The interned parts renamed: at[part * nperms + q] is the number of part ``part`` under renaming
 * ``q``, plus one (0: not yet asked). Parts are numbered densely from 0, so an array serves where
 * a table would hash, and a part's renamings share a cache line. */
typedef struct {
    uint32_t *at;
    size_t capacity;
} Renamed;

/* One other owner's share of a level: its global records, and the fingerprints among them. */
typedef struct {
    char *at;
    size_t size, capacity;
    Table shipped;
} Outbox;

/* ---- Python's hash of a tuple of integers, without the tuple ---- */

/* CPython's tuple hash (Objects/tupleobject.c, xxHash's rounds) over its items' hashes, and its
 * integer hash (reduction modulo 2**61 - 1, sign kept, -1 made -2). The fingerprints must be the
 * ones the Python loop computes with ``hash``: _native_loop checks a sample before trusting it,
 * and the tests check many. */
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL

static inline uint64_t
int_hash(int64_t v)
{
    const uint64_t modulus = (1ULL << 61) - 1;
    uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int64_t h = (int64_t)(magnitude % modulus);
    if (v < 0)
        h = -h;
    if (h == -1)
        h = -2;
    return (uint64_t)h;
}

static inline int64_t
tuple_hash(const int64_t *items, int n)
{
    uint64_t acc = XXPRIME_5;
    for (int i = 0; i < n; i++) {
        acc += int_hash(items[i]) * XXPRIME_2;
        acc = (acc << 31) | (acc >> 33);
        acc *= XXPRIME_1;
    }
    acc += (uint64_t)n ^ (XXPRIME_5 ^ 3527539ULL);
    if (acc == (uint64_t)-1)
        return 1546275796;
    return (int64_t)acc;
}

typedef struct {
    PyObject_HEAD
    int k, max_term, max_requests, max_cut, max_crashed;
    /* By node state: leads, term, commit, fingerprint; by message: source, dest; by ghost
     * history: entries known committed, fingerprint. */
    Mirror leads, term, commit, node_fp, source, dest, committed, ghost_fp, message_fp;
    /* Memoised transitions (value: node or ghost after, and the pool offset of messages sent)
     * and verdicts (value: 1 holds, 0 broken). */
    Table received, acted, observed, node_ok, single_ok, pair_ok;
    Pool sent;
    /* Fingerprint -> number, for node states, messages and ghost histories named by other workers. */
    Table node_index, message_index, ghost_index;
    Py_ssize_t nodes_indexed, messages_indexed, ghosts_indexed;
    /* With other workers: what this one computed for its tables' misses, with every part named
     * by its fingerprint (see ``lesson``), until ``lessons()`` takes it. */
    int record;
    int64_t *lessons;
    size_t lessons_size, lessons_capacity;
    /* What computes an entry the tables miss (checker/search/encoded.py and verdicts.py), and the violations. */
    PyObject *receive, *act, *observe, *node_verdict, *single_verdict, *pair_verdict, *step, *always;
    /* A network with messages in flight (asynchronous or fifo): how many at most, and their
     * order on the asynchronous one; ``fifo``: ordered links (see ``net_insert``). */
    int network, max_in_flight, fifo;
    Orders order;
    /* Symmetry reduction: the renamings (perms[q * k + i]: the new position of the node at
     * position i), the renamed parts, and what computes a miss. */
    int symmetry, nperms;
    int *perms;
    int64_t *scratch; /* (k + 1 + 2 * MAX_NET + 1) * nperms integers, for ``canonical``. */
    Renamed relabelled_node, relabelled_message, relabelled_ghost;
    PyObject *relabel_node, *relabel_message, *relabel_ghost;
    /* With other workers: the level's global records for each other owner, each world once
     * (``shipped``: their fingerprints), until ``shipments()`` hands them over. */
    Outbox *outboxes;
    int noutboxes;
} Sync;

/* Room for the messages one transition sends. */
#define ROOM 64

/* Lessons, as int64 runs: a table number, the entry's key parts and value with every node state,
 * message and ghost history named by its fingerprint:
 *   0 received: node, message, node after, count, messages sent...
 *   1 acted:    kind, node, argument, node after, count, messages sent...
 *   2 observed: ghost, node, ghost after
 *   3 node_ok:  node before, node after, restarted, verdict
 *   4 single_ok: node, ghost, verdict
 *   5 pair_ok:  node, node, verdict
 * ``what`` says which fingerprint each item is: n node, m message, g ghost, - itself. */
static int
lesson(Sync *s, const char *what, const int64_t *items, int count)
{
    if (reserve((void **)&s->lessons, &s->lessons_capacity, s->lessons_size + count, sizeof(int64_t), 4096) < 0)
        return -1;
    int64_t *out = s->lessons + s->lessons_size;
    for (int i = 0; i < count; i++) {
        char c = what[i];
        Mirror *m = c == 'n' ? &s->node_fp : c == 'm' ? &s->message_fp : c == 'g' ? &s->ghost_fp : NULL;
        if (m == NULL)
            out[i] = items[i];
        else if (get(m, (long)items[i], &out[i]) < 0)
            return -1;
    }
    s->lessons_size += count;
    return 0;
}

/* A transition's lesson: the key parts, then node after and the messages sent from the pool. */
static int
transition_lesson(Sync *s, const char *what, int64_t *items, int count, uint64_t value)
{
    const uint32_t *sent = s->sent.at + (value >> 32);
    int64_t run[8 + ROOM];
    if (sent[0] >= ROOM) {
        PyErr_SetString(PyExc_OverflowError, "too many messages sent in one step");
        return -1;
    }
    memcpy(run, items, sizeof(int64_t) * count);
    run[count] = (int64_t)(value & 0xffffffffu);
    run[count + 1] = sent[0];
    for (uint32_t i = 1; i <= sent[0]; i++)
        run[count + 1 + i] = sent[i];
    /* ``what`` covers the key parts; then n (node after), - (count), m for every message sent. */
    char kinds[16 + ROOM];
    size_t w = strlen(what);
    memcpy(kinds, what, w);
    kinds[w] = 'n';
    kinds[w + 1] = '-';
    for (uint32_t i = 0; i < sent[0]; i++)
        kinds[w + 2 + i] = 'm';
    kinds[w + 2 + sent[0]] = '\0';
    return lesson(s, kinds, run, count + 2 + (int)sent[0]);
}

/* A memoised transition: node state after, and the messages sent (copied out, since the pool
 * may move when the next miss is filled in). */
static int
transition(Sync *s, Table *table, uint64_t key, PyObject *compute, const char *format, long a, long b, long c,
           long *after, uint32_t *sent, int room, const char *lesson_of, int64_t *lesson_items, int lesson_count)
{
    uint64_t value;
    int hit = table_get(table, key, &value);
    if (!hit) {
        PyObject *v = format[2] == '\0' ? PyObject_CallFunction(compute, format, a, b) : PyObject_CallFunction(compute, format, a, b, c);
        if (v == NULL)
            return -1;
        if (!PyTuple_Check(v) || PyTuple_GET_SIZE(v) != 2) {
            Py_DECREF(v);
            PyErr_SetString(PyExc_TypeError, "a transition is not (node, messages)");
            return -1;
        }
        long node = PyLong_AsLong(PyTuple_GET_ITEM(v, 0));
        uint64_t offset = 0;
        int r = (node == -1 && PyErr_Occurred()) ? -1 : pool_add(&s->sent, PyTuple_GET_ITEM(v, 1), &offset);
        Py_DECREF(v);
        value = (offset << 32) | (uint32_t)node;
        if (r < 0 || table_put(table, key, value) < 0)
            return -1;
    }
    if (!hit && s->record && transition_lesson(s, lesson_of, lesson_items, lesson_count, value) < 0)
        return -1;
    *after = (long)(value & 0xffffffffu);
    if (sent != NULL) {
        const uint32_t *p = s->sent.at + (value >> 32);
        if ((int)p[0] >= room) {
            PyErr_SetString(PyExc_OverflowError, "too many messages sent in one step");
            return -1;
        }
        memcpy(sent, p, sizeof(uint32_t) * (p[0] + 1));
    }
    return 0;
}


/* Encoded._receive: node ``n`` takes message ``m``. */
static inline int
receive(Sync *s, long n, long m, long *after, uint32_t *sent)
{
    int64_t items[3] = {0, n, m};
    return transition(s, &s->received, (uint64_t)n << 32 | (uint64_t)m, s->receive, "ll", n, m, 0, after, sent, ROOM,
                      "-nm", items, 3);
}

/* Encoded._act: an ACT_* (a heartbeat, timeout, client request or restart) at node ``n``. */
static inline int
act(Sync *s, int kind, long n, long arg, long *after, uint32_t *sent)
{
    uint64_t key = (((uint64_t)n << 24 | (uint64_t)arg) << 2) | (uint64_t)kind;
    int64_t items[4] = {1, kind, n, arg};
    return transition(s, &s->acted, key, s->act, "lll", (long)kind, n, arg, after, sent, ROOM, "--n-", items, 4);
}

/* Encoded._observe: the ghost history ``g`` after it has seen node state ``n``. */
static int
observe(Sync *s, long g, long n, long *out)
{
    int64_t leads, commit, committed;
    if (get(&s->leads, n, &leads) < 0 || get(&s->commit, n, &commit) < 0 || get(&s->committed, g, &committed) < 0)
        return -1;
    if (!leads && commit <= committed) {
        *out = g;
        return 0;
    }
    uint64_t key = (uint64_t)g << 32 | (uint64_t)n, value;
    if (!table_get(&s->observed, key, &value)) {
        PyObject *v = PyObject_CallFunction(s->observe, "ll", g, n);
        if (v == NULL)
            return -1;
        long after = PyLong_AsLong(v);
        Py_DECREF(v);
        if ((after == -1 && PyErr_Occurred()) || table_put(&s->observed, key, (uint64_t)after) < 0)
            return -1;
        int64_t items[4] = {2, g, n, after};
        if (s->record && lesson(s, "-gng", items, 4) < 0)
            return -1;
        value = (uint64_t)after;
    }
    *out = (long)value;
    return 0;
}

/* Encoded._tick on the synchronous network: 1 with the next world in ``out``, 0 where the tick is
 * disabled, -1 on error. */
static int
sync_tick(Sync *s, const long *e, int j, long *out)
{
    int k = s->k;
    long nodes[MAX_NODES];
    for (int i = 0; i < k; i++)
        nodes[i] = e[i];
    long n = nodes[j];
    int64_t leads, term;
    uint32_t sent[ROOM], replies[ROOM];
    if (get(&s->leads, n, &leads) < 0)
        return -1;
    if (leads) {
        if (act(s, ACT_HEARTBEAT, n, 0, &n, sent) < 0)
            return -1;
    }
    else {
        if (get(&s->term, n, &term) < 0)
            return -1;
        if (term >= s->max_term)
            return 0;
        if (act(s, ACT_TIMEOUT, n, 0, &n, sent) < 0)
            return -1;
    }
    nodes[j] = n;
    long cut = e[k + AT_CUT], crashed = e[k + AT_CRASHED], g = e[k + AT_GHOST];
    if (observe(s, g, n, &g) < 0)
        return -1;
    for (uint32_t i = 1; i <= sent[0]; i++) {
        long m = sent[i];
        int64_t source, dest;
        if (get(&s->source, m, &source) < 0 || get(&s->dest, m, &dest) < 0)
            return -1;
        long d = (long)dest - 1;
        if ((cut >> (source - 1) & 1) || ((cut | crashed) >> d & 1))
            continue;
        long before = nodes[d], after;
        if (receive(s, before, m, &after, replies) < 0)
            return -1;
        if (after != before) {
            nodes[d] = after;
            if (observe(s, g, after, &g) < 0)
                return -1;
        }
        for (uint32_t a = 1; a <= replies[0]; a++) {
            long r = replies[a];
            if (get(&s->dest, r, &dest) < 0)
                return -1;
            d = (long)dest - 1;
            before = nodes[d];
            if (receive(s, before, r, &after, NULL) < 0)
                return -1;
            if (after != before) {
                nodes[d] = after;
                if (observe(s, g, after, &g) < 0)
                    return -1;
            }
        }
    }
    for (int i = 0; i < k; i++)
        out[i] = nodes[i];
    out[k + AT_CUT] = cut;
    out[k + AT_CRASHED] = crashed;
    out[k + AT_REQUESTS] = e[k + AT_REQUESTS];
    out[k + AT_GHOST] = g;
    return 1;
}

/* ---- The asynchronous network: a bag of messages in flight, kept in the plain model's order ---- */

/* A message's link, (source, destination) as one integer that orders as the pair
 * (``Encoded.link``). */
static inline int
link_of(Sync *s, long m, int64_t *out)
{
    int64_t source, dest;
    if (get(&s->source, m, &source) < 0 || get(&s->dest, m, &dest) < 0)
        return -1;
    *out = source << 32 | dest;
    return 0;
}

/* Ordered links: message ``m`` goes to the back of its link's queue in ``net`` (each link's
 * queue in the order sent, the links by source and destination): after every message whose
 * link does not come after its own, as the stable ``sorted(net + kept, key=link)`` of
 * ``Encoded._send`` and ``checker.model.native._append`` puts it. */
static int
link_append(Sync *s, long *net, int *count, long m)
{
    int64_t key, other;
    if (link_of(s, m, &key) < 0)
        return -1;
    int at = *count;
    while (at > 0) {
        if (link_of(s, net[at - 1], &other) < 0)
            return -1;
        if (other <= key)
            break;
        net[at] = net[at - 1];
        at--;
    }
    net[at] = m;
    (*count)++;
    return 0;
}

/* ``Encoded._break_links``: what is queued to or from node ``node`` (its id) leaves ``net``. */
static int
break_links(Sync *s, long *net, int *count, long node)
{
    int kept = 0;
    for (int i = 0; i < *count; i++) {
        int64_t source, dest;
        if (get(&s->source, net[i], &source) < 0 || get(&s->dest, net[i], &dest) < 0)
            return -1;
        if (source != node && dest != node)
            net[kept++] = net[i];
    }
    *count = kept;
    return 0;
}

/* Message ``m`` enters ``net`` (``*count`` long, in order), after every message that does not
 * come after it: the order ``sorted(net + kept, key=order)`` gives, since two messages with one
 * ``repr`` are one interned message. */
static int
net_insert(Sync *s, long *net, int *count, long m)
{
    if (*count >= MAX_NET + 32) {
        PyErr_SetString(PyExc_OverflowError, "too many messages in flight in one world");
        return -1;
    }
    if (s->fifo)
        return link_append(s, net, count, m);
    const char *key, *other;
    if (order_of(&s->order, m, &key) < 0)
        return -1;
    int at = *count;
    while (at > 0 && net[at - 1] != m) {
        if (order_of(&s->order, net[at - 1], &other) < 0)
            return -1;
        if (strcmp(other, key) <= 0)
            break;
        net[at] = net[at - 1];
        at--;
    }
    net[at] = m;
    (*count)++;
    return 0;
}

/* ``_remove_one``: the first copy of ``m`` leaves ``net``. */
static void
net_remove(long *net, int *count, long m)
{
    int at = 0;
    while (at < *count && net[at] != m)
        at++;
    if (at == *count)
        return;
    memmove(net + at, net + at + 1, sizeof(long) * (size_t)(*count - at - 1));
    (*count)--;
}

/* ``Encoded._send``: the messages of ``sent`` ([count, message, ...]) that are neither from nor to an
 * unreachable node enter ``net``; the others are lost at once. */
static int
net_send(Sync *s, long *net, int *count, const uint32_t *sent, long cut, long crashed)
{
    for (uint32_t i = 1; i <= sent[0]; i++) {
        long m = sent[i];
        int64_t source, dest;
        if (get(&s->source, m, &source) < 0 || get(&s->dest, m, &dest) < 0)
            return -1;
        if ((cut >> (source - 1) & 1) || ((cut | crashed) >> (dest - 1) & 1))
            continue;
        if (net_insert(s, net, count, m) < 0)
            return -1;
    }
    return 0;
}

/* ``Encoded._tick`` on the asynchronous network: what the node sends goes in flight. 1 with the next
 * world in ``out`` (``*out_length`` long), 0 where the tick is disabled or would leave too many
 * messages in flight, -1 on error. */
static int
async_tick(Sync *s, const long *e, int length, int j, long *out, int *out_length)
{
    int k = s->k;
    memcpy(out, e, sizeof(long) * (size_t)length);
    long n = e[j];
    int64_t leads, term;
    uint32_t sent[ROOM];
    if (get(&s->leads, n, &leads) < 0)
        return -1;
    if (leads) {
        if (act(s, ACT_HEARTBEAT, n, 0, &n, sent) < 0)
            return -1;
    }
    else {
        if (get(&s->term, n, &term) < 0)
            return -1;
        if (term >= s->max_term)
            return 0;
        if (act(s, ACT_TIMEOUT, n, 0, &n, sent) < 0)
            return -1;
    }
    out[j] = n;
    if (observe(s, e[k + AT_GHOST], n, &out[k + AT_GHOST]) < 0)
        return -1;
    int count = length - (k + AT_NET);
    if (net_send(s, out + k + AT_NET, &count, sent, e[k + AT_CUT], e[k + AT_CRASHED]) < 0)
        return -1;
    if (count > s->max_in_flight)
        return 0;
    *out_length = k + AT_NET + count;
    return 1;
}

/* ``Encoded._deliver``: message ``m`` arrives at its receiver, whose replies go in flight. As
 * ``async_tick``. */
static int
deliver(Sync *s, const long *e, int length, long m, long *out, int *out_length)
{
    int k = s->k;
    long cut = e[k + AT_CUT], crashed = e[k + AT_CRASHED];
    int64_t source, dest;
    if (get(&s->source, m, &source) < 0 || get(&s->dest, m, &dest) < 0)
        return -1;
    long d = (long)dest - 1;
    if (((cut | crashed) >> d & 1) || (cut >> (source - 1) & 1))
        return 0;
    memcpy(out, e, sizeof(long) * (size_t)length);
    int count = length - (k + AT_NET);
    net_remove(out + k + AT_NET, &count, m);
    long after;
    uint32_t replies[ROOM];
    if (receive(s, e[d], m, &after, replies) < 0)
        return -1;
    out[d] = after;
    if (net_send(s, out + k + AT_NET, &count, replies, cut, crashed) < 0)
        return -1;
    if (count > s->max_in_flight)
        return 0;
    if (observe(s, e[k + AT_GHOST], after, &out[k + AT_GHOST]) < 0)
        return -1;
    *out_length = k + AT_NET + count;
    return 1;
}

/* ---- Symmetry reduction ---- */

/* The fingerprints of part ``part`` under every renaming, into ``fps``: from ``renamed`` or else
 * from ``compute(part, q)`` (the Python method that renames it and interns the result),
 * remembered; ``fp`` gives the renamed part's fingerprint. */
static int
renamed_fps(Sync *s, Renamed *renamed, PyObject *compute, Mirror *fp, long part, int64_t *fps, int64_t *ids)
{
    int nperms = s->nperms;
    size_t need = ((size_t)part + 1) * (size_t)nperms;
    if (need > renamed->capacity) {
        size_t before = renamed->capacity;
        if (reserve((void **)&renamed->at, &renamed->capacity, need, sizeof(uint32_t), 4096) < 0)
            return -1;
        memset(renamed->at + before, 0, sizeof(uint32_t) * (renamed->capacity - before));
    }
    uint32_t *at = renamed->at + (size_t)part * (size_t)nperms;
    for (int q = 0; q < nperms; q++) {
        if (at[q] == 0) {
            PyObject *v = PyObject_CallFunction(compute, "li", part, q);
            if (v == NULL)
                return -1;
            long id = PyLong_AsLong(v);
            Py_DECREF(v);
            if (id == -1 && PyErr_Occurred())
                return -1;
            if (id < 0 || id >= (long)UINT32_MAX) {
                PyErr_SetString(PyExc_OverflowError, "a renamed part's number is out of range");
                return -1;
            }
            at = renamed->at + (size_t)part * (size_t)nperms; /* The call may not move it, but be sure. */
            at[q] = (uint32_t)id + 1;
        }
        if (get(fp, (long)at[q] - 1, &fps[q]) < 0)
            return -1;
        if (ids != NULL)
            ids[q] = (int64_t)at[q] - 1;
    }
    return 0;
}

/* ``Encoded.canonical_fingerprint``: the smallest fingerprint of world ``w`` over every renaming of
 * its nodes, the messages in flight counted as a bag (their fingerprints in ascending order). */
static int
canonical(Sync *s, const long *w, int length, int64_t *out)
{
    int k = s->k, count = length - (k + AT_NET), nperms = s->nperms;
    long cut = w[k + AT_CUT], crashed = w[k + AT_CRASHED];
    /* Every part's fingerprint under every renaming first, a part at a time; then the renamed
     * worlds, a renaming at a time. */
    /* scratch: nperms fingerprints for each node (k), the ghost history, each message in flight;
     * then nperms links for each message and nperms numbers. */
    int64_t *nodes = s->scratch, *ghost = nodes + k * nperms, *net = ghost + nperms;
    if (count > MAX_NET) {
        PyErr_SetString(PyExc_OverflowError, "too many messages in flight in one world");
        return -1;
    }
    for (int i = 0; i < k; i++)
        if (renamed_fps(s, &s->relabelled_node, s->relabel_node, &s->node_fp, w[i], nodes + i * nperms, NULL) < 0)
            return -1;
    if (renamed_fps(s, &s->relabelled_ghost, s->relabel_ghost, &s->ghost_fp, w[k + AT_GHOST], ghost, NULL) < 0)
        return -1;
    /* On ordered links, each renamed message's link too (in ``links``, laid out as ``net``), from
     * its number under each renaming (``ids``). */
    int64_t *links = net + MAX_NET * nperms, *ids = links + MAX_NET * nperms;
    for (int i = 0; i < count; i++) {
        if (renamed_fps(s, &s->relabelled_message, s->relabel_message, &s->message_fp, w[k + AT_NET + i], net + i * nperms,
                        s->fifo ? ids : NULL) < 0)
            return -1;
        if (s->fifo)
            for (int q = 0; q < nperms; q++)
                if (link_of(s, (long)ids[q], &links[i * nperms + q]) < 0)
                    return -1;
    }
    int64_t spelled[WORLD_MAX], best = 0;
    for (int q = 0; q < nperms; q++) {
        const int *perm = s->perms + q * k;
        long moved_cut = 0, moved_crashed = 0;
        for (int i = 0; i < k; i++) {
            spelled[perm[i]] = nodes[i * nperms + q];
            if (cut >> i & 1)
                moved_cut |= 1L << perm[i];
            if (crashed >> i & 1)
                moved_crashed |= 1L << perm[i];
        }
        spelled[k + AT_CUT] = moved_cut;
        spelled[k + AT_CRASHED] = moved_crashed;
        spelled[k + AT_REQUESTS] = w[k + AT_REQUESTS];
        spelled[k + AT_GHOST] = ghost[q];
        int64_t *bag = spelled + k + AT_NET;
        if (s->fifo) {
            /* Each link's queue keeps its order; the links go by their new names (a stable
             * insertion sort by link). */
            int64_t bag_links[MAX_NET];
            for (int i = 0; i < count; i++) {
                int64_t fp = net[i * nperms + q], link = links[i * nperms + q];
                int at = i;
                while (at > 0 && bag_links[at - 1] > link) {
                    bag[at] = bag[at - 1];
                    bag_links[at] = bag_links[at - 1];
                    at--;
                }
                bag[at] = fp;
                bag_links[at] = link;
            }
        }
        else
            for (int i = 0; i < count; i++) {
                int64_t fp = net[i * nperms + q];
                int at = i;
                while (at > 0 && bag[at - 1] > fp) {
                    bag[at] = bag[at - 1];
                    at--;
                }
                bag[at] = fp;
            }
        int64_t h = tuple_hash(spelled, length);
        if (q == 0 || h < best)
            best = h;
    }
    *out = best;
    return 0;
}

static PyObject *
world_tuple(const long *w, int length)
{
    PyObject *t = PyTuple_New(length);
    if (t == NULL)
        return NULL;
    for (int i = 0; i < length; i++) {
        PyObject *v = PyLong_FromLong(w[i]);
        if (v == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

/* A verdict from ``table``, or else from ``compute(*args)`` (a bool), remembered. */
static int
verdict(Sync *s, Table *table, uint64_t key, PyObject *compute, PyObject *args, const char *what, int64_t *items, int count)
{
    uint64_t value;
    if (table_get(table, key, &value))
        return (int)value;
    if (args == NULL)
        return -1;
    PyObject *v = PyObject_CallObject(compute, args);
    if (v == NULL)
        return -1;
    int ok = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (ok < 0 || table_put(table, key, (uint64_t)ok) < 0)
        return -1;
    items[count - 1] = ok;
    if (s->record && lesson(s, what, items, count) < 0)
        return -1;
    return ok;
}

/* A broken verdict: the violation, from the Python method that checks the whole world or step. */
static PyObject *
violation_of(PyObject *method, PyObject *args)
{
    PyObject *v = args == NULL ? NULL : PyObject_CallObject(method, args);
    if (v != NULL && (v == Py_None || PyLong_CheckExact(v))) {
        Py_DECREF(v);
        PyErr_SetString(PyExc_AssertionError, "a part's verdict is broken but the Python check passes");
        return NULL;
    }
    return v;
}

/* Judge.step: the changed-parts mask in ``changed``, or a violation in ``*violation`` (a new
 * reference). */
static int
judge_step(Sync *s, const long *e, int length, int kind, long arg, const long *after, int after_length, long *changed,
           PyObject **violation)
{
    int k = s->k;
    long mask = after[k + AT_GHOST] == e[k + AT_GHOST] ? 0 : 1L << k;
    *violation = NULL;
    if (kind == TICK || kind == REQUEST || kind == RESTART || kind == DELIVER) { /* MOVES_NODES */
        long restarted = kind == RESTART ? arg - 1 : -1;
        for (int j = 0; j < k; j++) {
            long b = e[j], a = after[j];
            if (a == b)
                continue;
            mask |= 1L << j;
            uint64_t key = (((uint64_t)b << 32 | (uint64_t)a) << 1) | (uint64_t)(j == restarted);
            uint64_t known;
            if (table_get(&s->node_ok, key, &known) && known)
                continue;
            PyObject *args = Py_BuildValue("(NilNi)", world_tuple(e, length), kind, arg, world_tuple(after, after_length), j);
            int64_t items[5] = {3, b, a, j == restarted, 0};
            int ok = verdict(s, &s->node_ok, key, s->node_verdict, args, "-nn--", items, 5);
            if (ok == 0) {
                PyObject *step = args == NULL ? NULL : PyTuple_GetSlice(args, 0, 4);
                *violation = violation_of(s->step, step);
                Py_XDECREF(step);
                ok = *violation == NULL ? -1 : 1;
            }
            Py_XDECREF(args);
            if (ok < 0)
                return -1;
            if (*violation != NULL)
                break;
        }
    }
    *changed = mask;
    return 0;
}

/* Judge.always on world ``e`` whose parts outside ``changed`` passed: NULL with no error where it
 * holds, else a new reference to the violation. */
static PyObject *
judge_always(Sync *s, const long *e, int length, long changed)
{
    int k = s->k;
    long g = e[k + AT_GHOST];
    int every = changed >> k & 1, ok = 1;
    PyObject *world = NULL;
    for (int j = 0; j < k && ok == 1; j++) {
        if (!(every || changed >> j & 1))
            continue;
        uint64_t key = (uint64_t)e[j] << 32 | (uint64_t)g, known;
        if (table_get(&s->single_ok, key, &known) && known)
            continue;
        if (world == NULL && (world = world_tuple(e, length)) == NULL)
            return NULL;
        PyObject *args = Py_BuildValue("(Oi)", world, j);
        int64_t items[4] = {4, e[j], g, 0};
        ok = verdict(s, &s->single_ok, key, s->single_verdict, args, "-ng-", items, 4);
        Py_XDECREF(args);
    }
    for (int a = 0; a < k && ok == 1; a++) {
        for (int b = a + 1; b < k && ok == 1; b++) {
            if (!(changed >> a & 1 || changed >> b & 1))
                continue;
            uint64_t key = (uint64_t)e[a] << 32 | (uint64_t)e[b], known;
            if (table_get(&s->pair_ok, key, &known) && known)
                continue;
            if (world == NULL && (world = world_tuple(e, length)) == NULL)
                return NULL;
            PyObject *args = Py_BuildValue("(Oii)", world, a, b);
            int64_t items[4] = {5, e[a], e[b], 0};
            ok = verdict(s, &s->pair_ok, key, s->pair_verdict, args, "-nn-", items, 4);
            Py_XDECREF(args);
        }
    }
    PyObject *v = NULL;
    if (ok == 0) {
        PyObject *args = Py_BuildValue("(Ol)", world, changed);
        v = violation_of(s->always, args);
        Py_XDECREF(args);
    }
    Py_XDECREF(world);
    return v;
}

/* Everything ``emit`` needs about the world being expanded and where successors go. */
typedef struct {
    const long *e;
    int length;
    PyObject *from_fp;
    long long from_value;
    Py_ssize_t position;
    PyObject *pending, *mine, *broken;
    int me, workers;
    /* Whose part of the level the worlds being expanded belong to (``me``, but for worlds taken
     * over from another worker), and whether a successor already held may come from a larger
     * step: then of two steps to one world the smaller (parent's fingerprint, action position)
     * is kept, as ``merge`` keeps it. */
    int maker, compare;
    long transitions;
} Expansion;

/* A successor for another owner: its global record (see GLOBAL and NET_COUNT) in that owner's
 * outbox, once per world: the first step to it is the one kept (the frontier is in order of
 * fingerprint and each world's steps in order of position). */
static int
ship(Sync *s, Expansion *x, long owner, int64_t h, long via, const long *after, const int64_t *form, int length)
{
    int k = s->k, count = length - (k + AT_NET);
    Outbox *box = &s->outboxes[owner];
    uint64_t known;
    if (table_get(&box->shipped, (uint64_t)h, &known))
        return 0;
    if (table_put(&box->shipped, (uint64_t)h, 1) < 0)
        return -1;
    size_t size = GLOBAL(k) + (s->network ? 4 + 8 * (size_t)count : 0);
    if (reserve((void **)&box->at, &box->capacity, box->size + size, 1, 1 << 16) < 0)
        return -1;
    char *p = box->at + box->size;
    box->size += size;
    int64_t from = (int64_t)x->from_value;
    uint32_t v32 = (uint32_t)via, pos32 = (uint32_t)x->position;
    memcpy(p, &h, 8);
    memcpy(p + 8, &from, 8);
    memcpy(p + 16, &v32, 4);
    memcpy(p + 20, &pos32, 4);
    memcpy(p + 24, form, 8 * k);
    for (int j = 0; j < 3; j++) {
        v32 = (uint32_t)after[k + j];
        memcpy(p + 24 + 8 * k + 4 * j, &v32, 4);
    }
    memcpy(p + 24 + 8 * k + 12, &form[k + AT_GHOST], 8);
    if (s->network) {
        v32 = (uint32_t)count;
        memcpy(p + NET_COUNT(k), &v32, 4);
        memcpy(p + NET_COUNT(k) + 4, form + k + AT_NET, 8 * (size_t)count);
    }
    return 0;
}

static int
emit(Sync *s, Expansion *x, int kind, long arg, long n, const long *after, int length)
{
    int k = s->k, count = length - (k + AT_NET);
    x->transitions++;
    if (length == x->length && memcmp(after, x->e, sizeof(long) * (size_t)length) == 0)
        return 0; /* A step that changes nothing stays in a world already seen. */
    long changed = 0;
    PyObject *violation = NULL;
    if (judge_step(s, x->e, x->length, kind, arg, after, length, &changed, &violation) < 0)
        return -1;
    /* The global form: every interned part named by its fingerprint; the world's fingerprint is
     * Python's hash of it as a tuple, and its owner that of the node states alone (``_owner``).
     * With symmetry reduction, the fingerprint is the smallest over the renamings, and the owner
     * that modulo the workers. */
    int64_t form[WORLD_MAX];
    for (int j = 0; j < k; j++)
        if (get(&s->node_fp, after[j], &form[j]) < 0)
            goto fail;
    form[k + AT_CUT] = after[k + AT_CUT];
    form[k + AT_CRASHED] = after[k + AT_CRASHED];
    form[k + AT_REQUESTS] = after[k + AT_REQUESTS];
    if (get(&s->ghost_fp, after[k + AT_GHOST], &form[k + AT_GHOST]) < 0)
        goto fail;
    for (int i = 0; i < count; i++)
        if (get(&s->message_fp, after[k + AT_NET + i], &form[k + AT_NET + i]) < 0)
            goto fail;
    int64_t h;
    long owner = 0;
    if (s->symmetry) {
        if (canonical(s, after, length, &h) < 0)
            goto fail;
        owner = (long)(h % x->workers);
    }
    else {
        h = tuple_hash(form, length);
        if (x->workers > 1)
            owner = (long)(tuple_hash(form, k) % x->workers);
    }
    if (owner < 0)
        owner += x->workers;
    if (violation != NULL) {
        PyObject *item = Py_BuildValue("(LOlOn)", (long long)h, x->from_fp, n, violation, x->position);
        Py_CLEAR(violation);
        if (item == NULL)
            return -1;
        int r = PyList_Append(x->broken, item);
        Py_DECREF(item);
        return r;
    }
    /* The action's position and the changed parts, in one integer that orders as the position. */
    long via = n << (k + 1) | changed;
    if (via < 0 || via > (long)UINT32_MAX || x->position > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "an action or parent position does not fit a record");
        return -1;
    }
    if (owner != x->me)
        return ship(s, x, owner, h, via, after, form, length);
    PyObject *fp = PyLong_FromLongLong(h);
    if (fp == NULL)
        return -1;
    int r = 0;
    {
        PyObject *where = x->pending;
        PyObject *old = PyDict_GetItemWithError(where, fp);
        if (old == NULL && !PyErr_Occurred()) {
            where = x->mine;
            old = PyDict_GetItemWithError(where, fp);
        }
        int held = old != NULL ? 1 : PyErr_Occurred() ? -1 : 0;
        if (held == 1 && x->compare && PyBytes_Check(old) && PyBytes_GET_SIZE(old) >= HEAD) {
            /* Taken-over worlds do not follow this worker's own in order of fingerprint. */
            int64_t old_from;
            uint32_t old_via;
            memcpy(&old_from, PyBytes_AS_STRING(old), 8);
            memcpy(&old_via, PyBytes_AS_STRING(old) + 8, 4);
            if ((int64_t)x->from_value < old_from || ((int64_t)x->from_value == old_from && (uint32_t)via < old_via))
                held = 0;
        }
        else
            where = x->pending;
        if (held < 0)
            r = -1;
        else if (held == 0) {
            PyObject *record = PyBytes_FromStringAndSize(NULL, HEAD + 4 * length);
            if (record == NULL)
                r = -1;
            else {
                char *p = PyBytes_AS_STRING(record);
                int64_t from = (int64_t)x->from_value;
                uint32_t v32 = (uint32_t)via, pos32 = (uint32_t)x->position;
                uint8_t maker = (uint8_t)x->maker;
                memcpy(p, &from, 8);
                memcpy(p + 8, &v32, 4);
                memcpy(p + 12, &pos32, 4);
                memcpy(p + 16, &maker, 1);
                for (int i = 0; i < length; i++) {
                    uint32_t w = (uint32_t)after[i];
                    memcpy(p + HEAD + 4 * i, &w, 4);
                }
                r = PyDict_SetItem(where, fp, record);
                Py_DECREF(record);
            }
        }
    }
    Py_DECREF(fp);
    return r;
fail:
    Py_XDECREF(violation);
    return -1;
}

/* The world ``w`` (``*length`` long) once node ``node``'s links break: ``_break_links`` on its messages. */
static int
broken_links(Sync *s, long *w, int *length, long node)
{
    int k = s->k, count = *length - (k + AT_NET);
    if (break_links(s, w + k + AT_NET, &count, node) < 0)
        return -1;
    *length = k + AT_NET + count;
    return 0;
}

/* ``Encoded.successors``: every action the plain model would try in ``x->e``, in its order, the
 * taken ones emitted with their positions in ``Model.actions``. */
static int
expand_world(Sync *s, Expansion *x)
{
    int k = s->k, length = x->length, after_length;
    const long *e = x->e;
    long cut = e[k + AT_CUT], crashed = e[k + AT_CRASHED], requests = e[k + AT_REQUESTS];
    int ncut = __builtin_popcountl((unsigned long)cut), ncrashed = __builtin_popcountl((unsigned long)crashed);
    long after[WORLD_MAX];
    long n = 0; /* The position in Model.actions of the next action tried. */
    for (int j = 0; j < k; j++) {
        long bit = 1L << j, arg = j + 1;
        if (crashed & bit) {
            memcpy(after, e, sizeof(long) * length);
            if (act(s, ACT_RESTART, e[j], 0, &after[j], NULL) < 0)
                return -1;
            after[k + AT_CRASHED] = crashed & ~bit;
            if (emit(s, x, RESTART, arg, n, after, length) < 0)
                return -1;
            n++;
            continue;
        }
        int taken;
        if (s->network)
            taken = async_tick(s, e, length, j, after, &after_length);
        else {
            taken = sync_tick(s, e, j, after);
            after_length = k + AT_NET;
        }
        if (taken < 0 || (taken && emit(s, x, TICK, arg, n, after, after_length) < 0))
            return -1;
        n++;
        int64_t leads;
        if (get(&s->leads, e[j], &leads) < 0)
            return -1;
        if (leads && requests < s->max_requests) {
            memcpy(after, e, sizeof(long) * length);
            if (act(s, ACT_REQUEST, e[j], requests + 1, &after[j], NULL) < 0)
                return -1;
            after[k + AT_REQUESTS] = requests + 1;
            if (observe(s, e[k + AT_GHOST], after[j], &after[k + AT_GHOST]) < 0)
                return -1;
            if (emit(s, x, REQUEST, arg, n, after, length) < 0)
                return -1;
            n++;
        }
        if (cut & bit) {
            memcpy(after, e, sizeof(long) * length);
            after[k + AT_CUT] = cut & ~bit;
            if (emit(s, x, HEAL, arg, n, after, length) < 0)
                return -1;
            n++;
        }
        else if (ncut < s->max_cut) {
            memcpy(after, e, sizeof(long) * length);
            after[k + AT_CUT] = cut | bit;
            after_length = length;
            if (s->fifo && broken_links(s, after, &after_length, arg) < 0)
                return -1;
            if (emit(s, x, CUT, arg, n, after, after_length) < 0)
                return -1;
            n++;
        }
        if (ncrashed < s->max_crashed) {
            memcpy(after, e, sizeof(long) * length);
            after[k + AT_CRASHED] = crashed | bit;
            after_length = length;
            if (s->fifo && broken_links(s, after, &after_length, arg) < 0)
                return -1;
            if (emit(s, x, CRASH, arg, n, after, after_length) < 0)
                return -1;
            n++;
        }
    }
    if (!s->network)
        return 0;
    if (s->fifo) {
        /* Only the oldest message on each link may arrive: the first of each run of one link's. */
        int64_t previous = -1, link;
        for (int i = k + AT_NET; i < length; i++) {
            long m = e[i];
            if (link_of(s, m, &link) < 0)
                return -1;
            if (link == previous)
                continue;
            previous = link;
            int taken = deliver(s, e, length, m, after, &after_length);
            if (taken < 0 || (taken && emit(s, x, DELIVER, m, n, after, after_length) < 0))
                return -1;
            n++;
        }
        return 0;
    }
    /* The network's actions on each message in flight; copies of one lead to the same worlds. */
    long previous = -1;
    for (int i = k + AT_NET; i < length; i++) {
        long m = e[i];
        if (m == previous)
            continue;
        previous = m;
        int taken = deliver(s, e, length, m, after, &after_length);
        if (taken < 0 || (taken && emit(s, x, DELIVER, m, n, after, after_length) < 0))
            return -1;
        n++;
        memcpy(after, e, sizeof(long) * length);
        int count = length - (k + AT_NET);
        net_remove(after + k + AT_NET, &count, m);
        if (emit(s, x, DROP, m, n, after, length - 1) < 0)
            return -1;
        n++;
        memcpy(after, e, sizeof(long) * length);
        count = length - (k + AT_NET);
        if (net_insert(s, after + k + AT_NET, &count, m) < 0)
            return -1;
        if (count <= s->max_in_flight && emit(s, x, DUPLICATE, m, n, after, length + 1) < 0)
            return -1;
        n++;
    }
    return 0;
}


/* The length of the world in a packed record of ``size`` bytes, or -1 where no world of this model
 * is that long (a synchronous one has exactly k + AT_NET integers; an asynchronous one up to
 * MAX_NET more, one per message in flight). */
static int
record_length(const Sync *s, Py_ssize_t size)
{
    int k = s->k;
    if (size < HEAD || (size - HEAD) % 4 != 0)
        return -1;
    Py_ssize_t length = (size - HEAD) / 4;
    if (length < k + AT_NET || length > k + AT_NET + (s->network ? MAX_NET : 0))
        return -1;
    return (int)length;
}

/* A dictionary entry with its key as a fingerprint, for sorting entries by fingerprint. */
typedef struct {
    long long fp;
    PyObject *key, *value;
} Entry;

static int
entry_order(const void *a, const void *b)
{
    long long x = ((const Entry *)a)->fp, y = ((const Entry *)b)->fp;
    return (x > y) - (x < y);
}

PyDoc_STRVAR(accept_doc,
"accept(candidates, frontier, note, noted, reached, sometimes) -> (fingerprints, senders, ups, vias, broken)\n\n"
"The own part of checker.search.parallel._Worker.accept: the new worlds of ``candidates`` (fingerprint ->\n"
"packed record, or None for one seen before), in order of fingerprint, appended to ``frontier``\n"
"(``candidates`` is left empty),\n"
"with the always properties checked and ``note(world)`` called for sometimes properties where\n"
"the world's ghost history is not in ``noted`` and not all ``sometimes`` are ``reached``. Returns their fingerprints, the level's parent\n"
"links as bytes for array('B'), array('I') and array('H'), and (position, violation) of the\n"
"first broken world, or None.");

static PyObject *
Sync_accept(Sync *s, PyObject *args)
{
    PyObject *candidates, *frontier, *note, *noted, *reached;
    Py_ssize_t sometimes;
    if (!PyArg_ParseTuple(args, "O!O!OO!O!n", &PyDict_Type, &candidates, &PyList_Type, &frontier, &note, &PySet_Type,
                          &noted, &PyDict_Type, &reached, &sometimes))
        return NULL;
    int k = s->k, shift = k + 1;
    Py_ssize_t size = PyDict_GET_SIZE(candidates), count = 0, pos = 0;
    /* Entries held here (from ``taken`` to ``held``): see below. */
    Py_ssize_t taken = 0, held = 0;
    Entry *items = PyMem_Malloc(sizeof(Entry) * (size ? size : 1));
    if (items == NULL)
        return PyErr_NoMemory();
    PyObject *key, *value, *result = NULL, *fps = NULL, *senders = NULL, *ups = NULL, *vias = NULL, *broken = NULL;
    while (PyDict_Next(candidates, &pos, &key, &value)) {
        if (value == Py_None)
            continue;
        if (!PyBytes_Check(value) || record_length(s, PyBytes_GET_SIZE(value)) < 0) {
            PyErr_SetString(PyExc_ValueError, "accept: a candidate is not a packed world of this model");
            goto done;
        }
        items[count].fp = PyLong_AsLongLong(key);
        if (items[count].fp == -1 && PyErr_Occurred())
            goto done;
        items[count].key = key;
        items[count++].value = value;
    }
    /* The entries are held here from now on, and the dictionary let go: its table and the
     * worlds seen before go before the level's frontier is built, and each new world's key
     * becomes its fingerprint in the list returned (not a second integer of the same value). */
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_INCREF(items[i].key);
        Py_INCREF(items[i].value);
    }
    held = count;
    PyDict_Clear(candidates);
    qsort(items, count, sizeof(Entry), entry_order);
    fps = PyList_New(count);
    senders = PyBytes_FromStringAndSize(NULL, count);
    ups = PyBytes_FromStringAndSize(NULL, 4 * count);
    vias = PyBytes_FromStringAndSize(NULL, 2 * count);
    if (fps == NULL || senders == NULL || ups == NULL || vias == NULL)
        goto done;
    Py_ssize_t base = PyList_GET_SIZE(frontier);
    long e[WORLD_MAX];
    for (Py_ssize_t i = 0; i < count; i++) {
        const char *p = PyBytes_AS_STRING(items[i].value);
        int length = record_length(s, PyBytes_GET_SIZE(items[i].value));
        uint32_t via, up;
        memcpy(&via, p + 8, 4);
        memcpy(&up, p + 12, 4);
        PyBytes_AS_STRING(senders)[i] = p[16];
        memcpy(PyBytes_AS_STRING(ups) + 4 * i, &up, 4);
        if (via >> shift > UINT16_MAX) {
            PyErr_SetString(PyExc_OverflowError, "an action position does not fit a parent link");
            goto done;
        }
        uint16_t n = (uint16_t)(via >> shift);
        memcpy(PyBytes_AS_STRING(vias) + 2 * i, &n, 2);
        PyList_SET_ITEM(fps, i, items[i].key);
        int appended = PyList_Append(frontier, items[i].value);
        Py_DECREF(items[i].value);
        taken = i + 1;
        if (appended < 0)
            goto done;
        for (int j = 0; j < length; j++) {
            uint32_t w;
            memcpy(&w, p + HEAD + 4 * j, 4);
            e[j] = (long)w;
        }
        PyObject *violation = judge_always(s, e, length, (long)(via & ((1u << shift) - 1)));
        if (violation != NULL) {
            if (broken == NULL) {
                broken = Py_BuildValue("(nN)", base + i, violation);
                if (broken == NULL)
                    goto done;
            }
            else
                Py_DECREF(violation);
            continue;
        }
        if (PyErr_Occurred())
            goto done;
        if (PyDict_GET_SIZE(reached) >= sometimes)
            continue; /* Every sometimes property is reached already. */
        PyObject *g = PyLong_FromLong(e[k + AT_GHOST]);
        if (g == NULL)
            goto done;
        int known = PySet_Contains(noted, g);
        Py_DECREF(g);
        if (known < 0)
            goto done;
        if (!known) {
            PyObject *t = world_tuple(e, length), *r = NULL;
            if (t != NULL)
                r = PyObject_CallOneArg(note, t);
            Py_XDECREF(t);
            if (r == NULL)
                goto done;
            Py_DECREF(r);
        }
    }
    result = Py_BuildValue("(OOOOO)", fps, senders, ups, vias, broken ? broken : Py_None);
done:
    for (Py_ssize_t i = taken; i < held; i++) {
        Py_DECREF(items[i].key);
        Py_DECREF(items[i].value);
    }
    PyMem_Free(items);
    Py_XDECREF(fps);
    Py_XDECREF(senders);
    Py_XDECREF(ups);
    Py_XDECREF(vias);
    Py_XDECREF(broken);
    return result;
}


/* The int64 fingerprints of a Seen's sorted array. */
typedef struct {
    Py_buffer view;
    const int64_t *at;
    Py_ssize_t size;
} Sorted;

static int
sorted_open(PyObject *array, Sorted *out)
{
    if (PyObject_GetBuffer(array, &out->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (out->view.itemsize != 8 || out->view.format == NULL || strchr("qlL", out->view.format[0]) == NULL) {
        PyBuffer_Release(&out->view);
        PyErr_SetString(PyExc_TypeError, "the seen set must be an array of 8-byte integers");
        return -1;
    }
    out->at = out->view.buf;
    out->size = out->view.len / 8;
    return 0;
}

/* Whether ``fp`` is in the array, searching from ``*from`` on. Needles looked up in ascending order
 * move the start forward, and the search gallops from there (1, 2, 4, ... entries ahead) before
 * it halves: the entries it reads lie near the last needle's, mostly in cache, where a plain
 * binary search over the whole array would start with a cache miss at every halving. */
static int
sorted_has(const Sorted *seen, int64_t fp, Py_ssize_t *from)
{
    Py_ssize_t lo = *from, size = seen->size, step = 1, hi = lo;
    while (hi < size && seen->at[hi] < fp) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > size)
        hi = size;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (seen->at[mid] < fp)
            lo = mid + 1;
        else
            hi = mid;
    }
    *from = lo;
    return lo < size && seen->at[lo] == fp;
}

PyDoc_STRVAR(settle_doc,
"settle(pending, mine, seen)\n\n"
"Move the entries of ``pending`` whose fingerprints are not in ``seen`` (a sorted int64 array) to\n"
"``mine``, and empty ``pending``: checker.search.parallel._Worker._settle, for records packed here.");

static PyObject *
Sync_settle(Sync *s, PyObject *args)
{
    PyObject *pending, *mine, *array;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyDict_Type, &pending, &PyDict_Type, &mine, &array))
        return NULL;
    Sorted seen;
    if (sorted_open(array, &seen) < 0)
        return NULL;
    Py_ssize_t size = PyDict_GET_SIZE(pending), count = 0, pos = 0;
    Entry *items = PyMem_Malloc(sizeof(Entry) * (size ? size : 1));
    PyObject *key, *value, *result = NULL;
    if (items == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    while (PyDict_Next(pending, &pos, &key, &value)) {
        items[count].fp = PyLong_AsLongLong(key);
        if (items[count].fp == -1 && PyErr_Occurred())
            goto done;
        items[count].key = key;
        items[count++].value = value;
    }
    qsort(items, count, sizeof(Entry), entry_order);
    Py_ssize_t from = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!sorted_has(&seen, items[i].fp, &from) && PyDict_SetItem(mine, items[i].key, items[i].value) < 0)
            goto done;
    }
    PyDict_Clear(pending);
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_Free(items);
    PyBuffer_Release(&seen.view);
    return result;
}

/* This worker's number for the part whose fingerprint is ``fp``, from the table that inverts the
 * list of fingerprints ``fps`` (indexed as far as ``*indexed``; a part interned later is added
 * on the first miss). Python's dictionaries ``node_by_fp`` and the like hold the same. */
static int
local_id(Mirror *fps, Table *index, Py_ssize_t *indexed, int64_t fp, uint64_t *out)
{
    uint64_t v;
    if (!table_get(index, (uint64_t)fp, &v)) {
        Py_ssize_t n = PyList_GET_SIZE(fps->list);
        if (n > *indexed) {
            if (mirror_catch_up(fps, (long)(n - 1)) < 0)
                return -1;
            for (Py_ssize_t i = *indexed; i < n; i++)
                if (table_put(index, (uint64_t)fps->at[i], (uint64_t)i) < 0)
                    return -1;
            *indexed = n;
        }
        if (!table_get(index, (uint64_t)fp, &v)) {
            PyErr_SetString(PyExc_KeyError, "a global record names a part never defined");
            return -1;
        }
    }
    *out = v;
    return 0;
}

#define NODE(s) &(s)->node_fp, &(s)->node_index, &(s)->nodes_indexed
#define MESSAGE(s) &(s)->message_fp, &(s)->message_index, &(s)->messages_indexed
#define GHOST(s) &(s)->ghost_fp, &(s)->ghost_index, &(s)->ghosts_indexed

/* The packed record (see HEAD) of global record ``p`` from ``sender``, in this worker's spelling. */
static PyObject *
localise(Sync *s, const char *p, int sender)
{
    int k = s->k, count = 0;
    if (s->network) {
        uint32_t c;
        memcpy(&c, p + NET_COUNT(k), 4);
        count = (int)c;
    }
    int length = k + AT_NET + count;
    PyObject *record = PyBytes_FromStringAndSize(NULL, HEAD + 4 * length);
    if (record == NULL)
        return NULL;
    char *q = PyBytes_AS_STRING(record);
    memcpy(q, p + 8, 16); /* parent's fingerprint, via, position */
    q[16] = (char)sender;
    q += HEAD;
    for (int j = 0; j < k; j++) {
        int64_t fp;
        uint64_t id;
        memcpy(&fp, p + 24 + 8 * j, 8);
        if (local_id(NODE(s), fp, &id) < 0) {
            Py_DECREF(record);
            return NULL;
        }
        uint32_t v = (uint32_t)id;
        memcpy(q + 4 * j, &v, 4);
    }
    memcpy(q + 4 * k, p + 24 + 8 * k, 12); /* cut, crashed, requests */
    int64_t fp;
    uint64_t id;
    memcpy(&fp, p + 24 + 8 * k + 12, 8);
    if (local_id(GHOST(s), fp, &id) < 0) {
        Py_DECREF(record);
        return NULL;
    }
    uint32_t v = (uint32_t)id;
    memcpy(q + 4 * (k + AT_GHOST), &v, 4);
    for (int i = 0; i < count; i++) {
        memcpy(&fp, p + NET_COUNT(k) + 4 + 8 * i, 8);
        if (local_id(MESSAGE(s), fp, &id) < 0) {
            Py_DECREF(record);
            return NULL;
        }
        v = (uint32_t)id;
        memcpy(q + 4 * (k + AT_NET + i), &v, 4);
    }
    return record;
}

/* The size of the global record at ``p``, of the ``left`` bytes that remain: -1 where it does not fit. */
static Py_ssize_t
global_size(const Sync *s, const char *p, Py_ssize_t left)
{
    int k = s->k;
    if (left < GLOBAL(k))
        return -1;
    if (!s->network)
        return GLOBAL(k);
    if (left < NET_COUNT(k) + 4)
        return -1;
    uint32_t count;
    memcpy(&count, p + NET_COUNT(k), 4);
    Py_ssize_t size = NET_COUNT(k) + 4 + 8 * (Py_ssize_t)count;
    return count > MAX_NET || size > left ? -1 : size;
}

PyDoc_STRVAR(merge_doc,
"merge(candidates, records, sender, seen)\n\n"
"Take another worker's global records into ``candidates`` (fingerprint -> packed record, or None\n"
"for a world of an earlier level), as checker.search.parallel._Worker.accept does: of two steps to one\n"
"world the smaller (parent's fingerprint, action position) is kept.");

static PyObject *
Sync_merge(Sync *s, PyObject *args)
{
    PyObject *candidates, *array;
    Py_buffer records;
    int sender;
    if (!PyArg_ParseTuple(args, "O!y*iO", &PyDict_Type, &candidates, &records, &sender, &array))
        return NULL;
    int k = s->k;
    Py_ssize_t count = records.len / GLOBAL(k), fresh = 0;
    PyObject *result = NULL;
    Entry *items = NULL;
    Sorted seen;
    if (sorted_open(array, &seen) < 0) {
        PyBuffer_Release(&records);
        return NULL;
    }
    if (sender < 0 || sender > 255) {
        PyErr_SetString(PyExc_ValueError, "merge: no such sender");
        goto done;
    }
    items = PyMem_Malloc(sizeof(Entry) * (count ? count : 1));
    if (items == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const char *base = records.buf;
    for (Py_ssize_t offset = 0; offset < records.len;) {
        const char *p = base + offset;
        Py_ssize_t size = global_size(s, p, records.len - offset);
        if (size < 0) {
            PyErr_SetString(PyExc_ValueError, "merge: not a whole number of global records");
            goto done;
        }
        offset += size;
        int64_t fp;
        memcpy(&fp, p, 8);
        PyObject *key = PyLong_FromLongLong(fp);
        if (key == NULL)
            goto done;
        PyObject *held = PyDict_GetItemWithError(candidates, key);
        if (held == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(key);
                goto done;
            }
            items[fresh].fp = fp;
            items[fresh].key = key; /* Owned until it goes into candidates. */
            items[fresh++].value = (PyObject *)p;
            continue;
        }
        if (held != Py_None) {
            /* Held already: keep the smaller (parent's fingerprint, action position). */
            int64_t mine_from, theirs_from;
            uint32_t mine_via, theirs_via;
            const char *h = PyBytes_AS_STRING(held);
            memcpy(&mine_from, h, 8);
            memcpy(&mine_via, h + 8, 4);
            memcpy(&theirs_from, p + 8, 8);
            memcpy(&theirs_via, p + 16, 4);
            if (theirs_from < mine_from || (theirs_from == mine_from && theirs_via < mine_via)) {
                PyObject *record = localise(s, p, sender);
                if (record == NULL || PyDict_SetItem(candidates, key, record) < 0) {
                    Py_XDECREF(record);
                    Py_DECREF(key);
                    goto done;
                }
                Py_DECREF(record);
            }
        }
        Py_DECREF(key);
    }
    qsort(items, fresh, sizeof(Entry), entry_order);
    Py_ssize_t from = 0;
    for (Py_ssize_t i = 0; i < fresh; i++) {
        PyObject *value;
        if (sorted_has(&seen, items[i].fp, &from)) {
            value = Py_None;
            Py_INCREF(value);
        }
        else if ((value = localise(s, (const char *)items[i].value, sender)) == NULL)
            goto done;
        int r = PyDict_SetItem(candidates, items[i].key, value);
        Py_DECREF(value);
        if (r < 0)
            goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    if (items != NULL) {
        for (Py_ssize_t i = 0; i < fresh; i++)
            Py_DECREF(items[i].key);
        PyMem_Free(items);
    }
    PyBuffer_Release(&seen.view);
    PyBuffer_Release(&records);
    return result;
}

PyDoc_STRVAR(expand_doc,
"expand(frontier, fps, start, stop, pending, mine, me, workers, broken, maker=me, offset=0, compare=0)\n"
"-> transitions\n\n"
"Expand frontier[start:stop] (packed records) as checker.search.parallel._Worker.expand does: own new\n"
"successors go to ``pending`` as packed records, other owners' to this worker's outboxes as\n"
"global records, once each, until shipments() takes them; broken steps are appended to\n"
"``broken`` as (fingerprint, parent fingerprint, action position, violation, position).\n"
"Expanded records are replaced by None. Worlds taken over from worker ``maker``'s part of the\n"
"level (see take()) sit at ``offset`` + their index there; with ``compare``, a successor already\n"
"in ``pending`` or ``mine`` is replaced when this step to it is the smaller.");

static PyObject *
Sync_expand(Sync *s, PyObject *args)
{
    PyObject *frontier, *fps, *pending, *mine, *broken;
    Py_ssize_t start, stop, offset = 0;
    int me, workers, maker = -1, compare = 0;
    if (!PyArg_ParseTuple(args, "O!O!nnO!O!iiO!|ini", &PyList_Type, &frontier, &PyList_Type, &fps, &start, &stop,
                          &PyDict_Type, &pending, &PyDict_Type, &mine, &me, &workers, &PyList_Type, &broken, &maker,
                          &offset, &compare))
        return NULL;
    if (maker < 0)
        maker = me;
    if (start < 0 || stop > PyList_GET_SIZE(frontier) || stop > PyList_GET_SIZE(fps) || workers < 1 || workers > 256 ||
        me < 0 || me >= workers || maker >= workers || offset < 0 || (s->noutboxes != 0 && s->noutboxes != workers)) {
        PyErr_SetString(PyExc_ValueError, "expand: arguments out of range");
        return NULL;
    }
    if (s->noutboxes == 0) {
        s->outboxes = PyMem_Calloc((size_t)workers, sizeof(Outbox));
        if (s->outboxes == NULL)
            return PyErr_NoMemory();
        s->noutboxes = workers;
        for (int w = 0; w < workers; w++)
            table_init(&s->outboxes[w].shipped, SIZE_MAX);
    }
    Expansion x = {.pending = pending, .mine = mine, .broken = broken, .me = me, .workers = workers, .maker = maker,
                   .compare = compare != 0};
    long e[WORLD_MAX];
    x.e = e;
    for (Py_ssize_t position = start; position < stop; position++) {
        PyObject *packed = PyList_GET_ITEM(frontier, position);
        int length = PyBytes_Check(packed) ? record_length(s, PyBytes_GET_SIZE(packed)) : -1;
        if (length < 0) {
            PyErr_SetString(PyExc_ValueError, "expand: a frontier record is not a world of this model");
            return NULL;
        }
        x.length = length;
        const char *p = PyBytes_AS_STRING(packed);
        for (int i = 0; i < length; i++) {
            uint32_t w;
            memcpy(&w, p + HEAD + 4 * i, 4);
            e[i] = (long)w;
        }
        /* Expanded worlds go as we go; only their positions are kept. */
        Py_INCREF(Py_None);
        PyList_SetItem(frontier, position, Py_None);
        x.from_fp = PyList_GET_ITEM(fps, position);
        Py_INCREF(x.from_fp);
        x.from_value = PyLong_AsLongLong(x.from_fp);
        x.position = offset + position;
        int r = (x.from_value == -1 && PyErr_Occurred()) ? -1 : expand_world(s, &x);
        Py_DECREF(x.from_fp);
        if (r < 0)
            return NULL;
    }
    return PyLong_FromLong(x.transitions);
}

static int
mirror_init(Mirror *m, PyObject *list)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "Sync: the interned parts' attributes must be lists");
        return -1;
    }
    Py_INCREF(list);
    Py_XSETREF(m->list, list);
    PyMem_Free(m->at);
    m->at = NULL;
    m->size = m->capacity = 0;
    return 0;
}

static void
outboxes_free(Sync *s)
{
    for (int w = 0; w < s->noutboxes; w++) {
        PyMem_Free(s->outboxes[w].at);
        PyMem_Free(s->outboxes[w].shipped.slots);
    }
    PyMem_Free(s->outboxes);
    s->outboxes = NULL;
    s->noutboxes = 0;
}

static int
Sync_init(Sync *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"k", "max_term", "max_requests", "max_cut", "max_crashed", "verdict_limit", "record",
                            "leads", "term", "commit", "node_fp", "source", "dest", "committed", "ghost_fp", "message_fp",
                            "receive", "act", "observe", "node_verdict", "single_verdict", "pair_verdict",
                            "step", "always", "network", "max_in_flight", "order", "perms", "relabel_node",
                            "relabel_message", "relabel_ghost", "fifo", NULL};
    PyObject *lists[9], *calls[8], *order = NULL, *perms = NULL, *relabel[3] = {NULL, NULL, NULL};
    Py_ssize_t verdict_limit;
    s->network = 0;
    s->max_in_flight = 0;
    s->fifo = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iiiiinpOOOOOOOOOOOOOOOOO|piOOOOOp", names, &s->k, &s->max_term,
                                     &s->max_requests, &s->max_cut, &s->max_crashed, &verdict_limit, &s->record,
                                     &lists[0], &lists[1], &lists[2], &lists[3], &lists[4], &lists[5], &lists[6],
                                     &lists[7], &lists[8], &calls[0], &calls[1], &calls[2], &calls[3], &calls[4], &calls[5],
                                     &calls[6], &calls[7], &s->network, &s->max_in_flight, &order, &perms, &relabel[0],
                                     &relabel[1], &relabel[2], &s->fifo))
        return -1;
    if (s->fifo && !s->network) {
        PyErr_SetString(PyExc_ValueError, "Sync: ordered links are a network with messages in flight (network=True)");
        return -1;
    }
    /* The asynchronous network: its order of messages in flight, and how many there may be. */
    if (s->network && (order == NULL || !PyList_Check(order) || s->max_in_flight < 0 || s->max_in_flight > MAX_NET)) {
        PyErr_Format(PyExc_ValueError, "Sync: the asynchronous network needs order (a list) and 0 <= max_in_flight <= %d",
                     MAX_NET);
        return -1;
    }
    Py_XINCREF(order);
    Py_XSETREF(s->order.list, order);
    PyMem_Free(s->order.at);
    s->order.at = NULL;
    s->order.size = s->order.capacity = 0;
    if (s->order.list == NULL) {
        s->order.list = PyList_New(0);
        if (s->order.list == NULL)
            return -1;
    }
    /* Symmetry reduction: the renamings, and what renames a part the tables miss. */
    PyMem_Free(s->perms);
    s->perms = NULL;
    s->symmetry = perms != NULL && perms != Py_None;
    s->nperms = 0;
    if (s->symmetry) {
        if (!PyList_Check(perms) || PyList_GET_SIZE(perms) < 1 || s->k > MAX_SYMMETRY_NODES ||
            relabel[0] == NULL || relabel[1] == NULL || relabel[2] == NULL) {
            PyErr_Format(PyExc_ValueError, "Sync: symmetry reduction needs perms (a list) and the relabel calls, "
                         "on at most %d nodes", MAX_SYMMETRY_NODES);
            return -1;
        }
        Py_ssize_t count = PyList_GET_SIZE(perms);
        s->perms = PyMem_Malloc(sizeof(int) * (size_t)(count * s->k));
        if (s->perms == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t q = 0; q < count; q++) {
            PyObject *perm = PyList_GET_ITEM(perms, q);
            if (!PyTuple_Check(perm) || PyTuple_GET_SIZE(perm) != s->k) {
                PyErr_SetString(PyExc_ValueError, "Sync: a renaming is a tuple of k positions");
                return -1;
            }
            for (int i = 0; i < s->k; i++) {
                long v = PyLong_AsLong(PyTuple_GET_ITEM(perm, i));
                if (v < 0 || v >= s->k) {
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_ValueError, "Sync: a renaming names a position out of range");
                    return -1;
                }
                s->perms[q * s->k + i] = (int)v;
            }
        }
        s->nperms = (int)count;
        PyMem_Free(s->scratch);
        s->scratch = PyMem_Malloc(sizeof(int64_t) * (size_t)((s->k + 1 + 2 * MAX_NET + 1) * count));
        if (s->scratch == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    PyObject **relabels[3] = {&s->relabel_node, &s->relabel_message, &s->relabel_ghost};
    for (int i = 0; i < 3; i++) {
        Py_XINCREF(relabel[i]);
        Py_XSETREF(*relabels[i], relabel[i]);
    }
    if (s->k < 1 || s->k > MAX_NODES) {
        PyErr_Format(PyExc_ValueError, "the native loop handles 1 to %d nodes, not %d", MAX_NODES, s->k);
        return -1;
    }
    if (verdict_limit < 1) {
        PyErr_SetString(PyExc_ValueError, "Sync: verdict_limit must be positive");
        return -1;
    }
    Mirror *mirrors[9] = {&s->leads, &s->term, &s->commit, &s->node_fp, &s->source, &s->dest, &s->committed,
                          &s->ghost_fp, &s->message_fp};
    for (int i = 0; i < 9; i++)
        if (mirror_init(mirrors[i], lists[i]) < 0)
            return -1;
    PyObject **slots[8] = {&s->receive, &s->act, &s->observe, &s->node_verdict, &s->single_verdict,
                           &s->pair_verdict, &s->step, &s->always};
    for (int i = 0; i < 8; i++) {
        Py_INCREF(calls[i]);
        Py_XSETREF(*slots[i], calls[i]);
    }
    /* The transition memos keep everything, as Encoded's do; the verdicts as many as Judge's. */
    table_init(&s->received, SIZE_MAX);
    table_init(&s->acted, SIZE_MAX);
    table_init(&s->observed, SIZE_MAX);
    table_init(&s->node_ok, (size_t)verdict_limit);
    table_init(&s->single_ok, (size_t)verdict_limit);
    table_init(&s->pair_ok, (size_t)verdict_limit);
    table_init(&s->node_index, SIZE_MAX);
    table_init(&s->message_index, SIZE_MAX);
    table_init(&s->ghost_index, SIZE_MAX);
    Renamed *renamed[3] = {&s->relabelled_node, &s->relabelled_message, &s->relabelled_ghost};
    for (int i = 0; i < 3; i++) {
        PyMem_Free(renamed[i]->at);
        renamed[i]->at = NULL;
        renamed[i]->capacity = 0;
    }
    s->nodes_indexed = s->messages_indexed = s->ghosts_indexed = 0;
    PyMem_Free(s->sent.at);
    s->sent.at = NULL;
    s->sent.size = s->sent.capacity = 0;
    PyMem_Free(s->lessons);
    s->lessons = NULL;
    s->lessons_size = s->lessons_capacity = 0;
    outboxes_free(s);
    return 0;
}

static int
Sync_traverse(Sync *s, visitproc visit, void *arg)
{
    Py_VISIT(s->leads.list); Py_VISIT(s->term.list); Py_VISIT(s->commit.list); Py_VISIT(s->node_fp.list);
    Py_VISIT(s->source.list); Py_VISIT(s->dest.list); Py_VISIT(s->committed.list); Py_VISIT(s->ghost_fp.list);
    Py_VISIT(s->message_fp.list);
    Py_VISIT(s->receive); Py_VISIT(s->act); Py_VISIT(s->observe); Py_VISIT(s->node_verdict);
    Py_VISIT(s->single_verdict); Py_VISIT(s->pair_verdict); Py_VISIT(s->step); Py_VISIT(s->always);
    Py_VISIT(s->order.list); Py_VISIT(s->relabel_node); Py_VISIT(s->relabel_message); Py_VISIT(s->relabel_ghost);
    return 0;
}

static int
Sync_clear(Sync *s)
{
    Py_CLEAR(s->leads.list); Py_CLEAR(s->term.list); Py_CLEAR(s->commit.list); Py_CLEAR(s->node_fp.list);
    Py_CLEAR(s->source.list); Py_CLEAR(s->dest.list); Py_CLEAR(s->committed.list); Py_CLEAR(s->ghost_fp.list);
    Py_CLEAR(s->message_fp.list);
    Py_CLEAR(s->receive); Py_CLEAR(s->act); Py_CLEAR(s->observe); Py_CLEAR(s->node_verdict);
    Py_CLEAR(s->single_verdict); Py_CLEAR(s->pair_verdict); Py_CLEAR(s->step); Py_CLEAR(s->always);
    Py_CLEAR(s->order.list); Py_CLEAR(s->relabel_node); Py_CLEAR(s->relabel_message); Py_CLEAR(s->relabel_ghost);
    return 0;
}

static void
Sync_dealloc(Sync *s)
{
    PyObject_GC_UnTrack(s);
    Sync_clear(s);
    Mirror *mirrors[9] = {&s->leads, &s->term, &s->commit, &s->node_fp, &s->source, &s->dest, &s->committed,
                          &s->ghost_fp, &s->message_fp};
    for (int i = 0; i < 9; i++)
        PyMem_Free(mirrors[i]->at);
    PyMem_Free(s->lessons);
    outboxes_free(s);
    Table *tables[9] = {&s->received, &s->acted, &s->observed, &s->node_ok, &s->single_ok, &s->pair_ok,
                        &s->node_index, &s->message_index, &s->ghost_index};
    for (int i = 0; i < 9; i++)
        PyMem_Free(tables[i]->slots);
    PyMem_Free(s->relabelled_node.at);
    PyMem_Free(s->relabelled_message.at);
    PyMem_Free(s->relabelled_ghost.at);
    PyMem_Free(s->order.at);
    PyMem_Free(s->perms);
    PyMem_Free(s->scratch);
    PyMem_Free(s->sent.at);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

PyDoc_STRVAR(fingerprint_doc,
"fingerprint(integers) -> int\n\n"
"hash(tuple(integers)), as the C loop computes it for 64-bit integers without making the tuple.");

static PyObject *
fingerprint(PyObject *module, PyObject *sequence)
{
    PyObject *items = PySequence_Fast(sequence, "fingerprint: a sequence of integers");
    if (items == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    if (n > WORLD_MAX) {
        Py_DECREF(items);
        PyErr_SetString(PyExc_ValueError, "fingerprint: too many integers");
        return NULL;
    }
    int64_t values[WORLD_MAX];
    for (Py_ssize_t i = 0; i < n; i++) {
        values[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(items, i));
        if (values[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(items);
            return NULL;
        }
    }
    Py_DECREF(items);
    return PyLong_FromLongLong(tuple_hash(values, (int)n));
}

static PyMethodDef module_methods[] = {
    {"fingerprint", fingerprint, METH_O, fingerprint_doc},
    {NULL},
};

PyDoc_STRVAR(shipments_doc,
"shipments() -> list of bytes\n\n"
"The global records made for each owner since the last call (empty bytes for this worker's own\n"
"and before any expand); the outboxes start afresh, their memory given back.");

PyDoc_STRVAR(give_doc,
"give(frontier, fps, start, stop) -> bytes\n\n"
"Frontier worlds start..stop-1 (packed records) as global records for another worker to take()\n"
"and expand in this worker's stead: each with its fingerprint and its position here. The\n"
"records given are replaced by None.");

static PyObject *
Sync_give(Sync *s, PyObject *args)
{
    PyObject *frontier, *fps;
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "O!O!nn", &PyList_Type, &frontier, &PyList_Type, &fps, &start, &stop))
        return NULL;
    if (start < 0 || start > stop || stop > PyList_GET_SIZE(frontier) || stop > PyList_GET_SIZE(fps) ||
        stop > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "give: arguments out of range");
        return NULL;
    }
    int k = s->k;
    char *out = NULL;
    size_t size = 0, capacity = 0;
    for (Py_ssize_t position = start; position < stop; position++) {
        PyObject *packed = PyList_GET_ITEM(frontier, position);
        int length = PyBytes_Check(packed) ? record_length(s, PyBytes_GET_SIZE(packed)) : -1;
        if (length < 0) {
            PyErr_SetString(PyExc_ValueError, "give: a frontier record is not a world of this model");
            goto fail;
        }
        int count = length - (k + AT_NET);
        const char *q = PyBytes_AS_STRING(packed) + HEAD;
        long e[WORLD_MAX];
        for (int i = 0; i < length; i++) {
            uint32_t w;
            memcpy(&w, q + 4 * i, 4);
            e[i] = (long)w;
        }
        size_t need = GLOBAL(k) + (s->network ? 4 + 8 * (size_t)count : 0);
        if (reserve((void **)&out, &capacity, size + need, 1, 1 << 16) < 0)
            goto fail;
        char *p = out + size;
        size += need;
        int64_t h = PyLong_AsLongLong(PyList_GET_ITEM(fps, position)), zero = 0, v;
        if (h == -1 && PyErr_Occurred())
            goto fail;
        uint32_t v32 = 0, pos32 = (uint32_t)position;
        memcpy(p, &h, 8);
        memcpy(p + 8, &zero, 8);
        memcpy(p + 16, &v32, 4);
        memcpy(p + 20, &pos32, 4);
        for (int j = 0; j < k; j++) {
            if (get(&s->node_fp, e[j], &v) < 0)
                goto fail;
            memcpy(p + 24 + 8 * j, &v, 8);
        }
        for (int j = 0; j < 3; j++) {
            v32 = (uint32_t)e[k + j];
            memcpy(p + 24 + 8 * k + 4 * j, &v32, 4);
        }
        if (get(&s->ghost_fp, e[k + AT_GHOST], &v) < 0)
            goto fail;
        memcpy(p + 24 + 8 * k + 12, &v, 8);
        if (s->network) {
            v32 = (uint32_t)count;
            memcpy(p + NET_COUNT(k), &v32, 4);
            for (int i = 0; i < count; i++) {
                if (get(&s->message_fp, e[k + AT_NET + i], &v) < 0)
                    goto fail;
                memcpy(p + NET_COUNT(k) + 4 + 8 * i, &v, 8);
            }
        }
    }
    PyObject *result = PyBytes_FromStringAndSize(out ? out : "", (Py_ssize_t)size);
    PyMem_Free(out);
    if (result != NULL)
        for (Py_ssize_t position = start; position < stop; position++) {
            Py_INCREF(Py_None);
            PyList_SetItem(frontier, position, Py_None);
        }
    return result;
fail:
    PyMem_Free(out);
    return NULL;
}

PyDoc_STRVAR(take_doc,
"take(records) -> (frontier, fps, positions)\n\n"
"Another worker's give(), in this worker's spelling (every part the records name must be\n"
"interned here): packed records to expand, their fingerprints, and their positions there.");

static PyObject *
Sync_take(Sync *s, PyObject *args)
{
    Py_buffer records;
    if (!PyArg_ParseTuple(args, "y*", &records))
        return NULL;
    PyObject *frontier = PyList_New(0), *fps = PyList_New(0), *positions = PyList_New(0), *result = NULL;
    if (frontier == NULL || fps == NULL || positions == NULL)
        goto done;
    const char *base = records.buf;
    for (Py_ssize_t offset = 0; offset < records.len;) {
        const char *p = base + offset;
        Py_ssize_t size = global_size(s, p, records.len - offset);
        if (size < 0) {
            PyErr_SetString(PyExc_ValueError, "take: not a whole number of global records");
            goto done;
        }
        offset += size;
        int64_t h;
        uint32_t pos32;
        memcpy(&h, p, 8);
        memcpy(&pos32, p + 20, 4);
        PyObject *record = localise(s, p, 0);
        if (record == NULL)
            goto done;
        int r = PyList_Append(frontier, record);
        Py_DECREF(record);
        if (r < 0)
            goto done;
        PyObject *fp = PyLong_FromLongLong(h), *at = PyLong_FromUnsignedLong(pos32);
        r = fp == NULL || at == NULL ? -1 : PyList_Append(fps, fp) < 0 ? -1 : PyList_Append(positions, at);
        Py_XDECREF(fp);
        Py_XDECREF(at);
        if (r < 0)
            goto done;
    }
    result = PyTuple_Pack(3, frontier, fps, positions);
done:
    Py_XDECREF(frontier);
    Py_XDECREF(fps);
    Py_XDECREF(positions);
    PyBuffer_Release(&records);
    return result;
}

static PyObject *
Sync_shipments(Sync *s, PyObject *unused)
{
    PyObject *out = PyList_New(s->noutboxes);
    if (out == NULL)
        return NULL;
    for (int w = 0; w < s->noutboxes; w++) {
        Outbox *box = &s->outboxes[w];
        PyObject *b = PyBytes_FromStringAndSize(box->at, (Py_ssize_t)box->size);
        if (b == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, w, b);
    }
    /* The buffers and tables go, not only emptied: kept for the next level, they would be held
     * through the accept round, at the level's largest, when the worker's memory peaks. */
    for (int w = 0; w < s->noutboxes; w++) {
        Outbox *box = &s->outboxes[w];
        PyMem_Free(box->at);
        box->at = NULL;
        box->size = box->capacity = 0;
        table_init(&box->shipped, SIZE_MAX);
    }
    return out;
}

PyDoc_STRVAR(lessons_doc,
"lessons(keep=False) -> bytes\n\n"
"What this worker computed for its tables' misses since the last call (recorded only when made\n"
"with record=True), every part named by its fingerprint: for learn() in another worker. With\n"
"``keep``, they are kept for the next call too.");

static PyObject *
Sync_lessons(Sync *s, PyObject *args)
{
    int keep = 0;
    if (!PyArg_ParseTuple(args, "|p", &keep))
        return NULL;
    PyObject *b = PyBytes_FromStringAndSize((const char *)s->lessons, sizeof(int64_t) * s->lessons_size);
    if (b != NULL && !keep)
        s->lessons_size = 0;
    return b;
}

PyDoc_STRVAR(learn_doc,
"learn(lessons)\n\n"
"Enter another worker's lessons() into the tables, in this worker's numbering (every part they\n"
"name must be interned here). Entries held already are left as they are.");

static PyObject *
Sync_learn(Sync *s, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view))
        return NULL;
    const int64_t *at = view.buf;
    Py_ssize_t size = view.len / 8, i = 0;
    PyObject *result = NULL;
    if (view.len % 8 != 0)
        goto bad;
    while (i < size) {
        int64_t table = at[i];
        uint64_t key, value, a, b, c, known;
        Py_ssize_t need = table == 0 ? 5 : table == 1 ? 6 : table == 5 || table == 4 || table == 2 ? 4 : table == 3 ? 5 : -1;
        if (need < 0 || i + need > size)
            goto bad;
        if (table == 0 || table == 1) {
            const int64_t *p = at + i + 1;
            Py_ssize_t head = table == 0 ? 3 : 4, count;
            if (i + 1 + head + 1 > size || (count = p[head]) < 0 || count >= ROOM || i + 2 + head + count > size)
                goto bad;
            if (table == 0) {
                if (local_id(NODE(s), p[0], &a) < 0 || local_id(MESSAGE(s), p[1], &b) < 0)
                    goto done;
                key = a << 32 | b;
            }
            else {
                if (local_id(NODE(s), p[1], &a) < 0)
                    goto done;
                key = ((a << 24 | (uint64_t)p[2]) << 2) | (uint64_t)p[0];
            }
            Table *t = table == 0 ? &s->received : &s->acted;
            if (!table_get(t, key, &known)) {
                uint64_t after, offset;
                if (local_id(NODE(s), p[head - 1], &after) < 0)
                    goto done;
                PyObject *sent = PyTuple_New(count);
                if (sent == NULL)
                    goto done;
                for (Py_ssize_t j = 0; j < count; j++) {
                    uint64_t m;
                    PyObject *v = local_id(MESSAGE(s), p[head + 1 + j], &m) < 0 ? NULL : PyLong_FromUnsignedLongLong(m);
                    if (v == NULL) {
                        Py_DECREF(sent);
                        goto done;
                    }
                    PyTuple_SET_ITEM(sent, j, v);
                }
                int r = pool_add(&s->sent, sent, &offset);
                Py_DECREF(sent);
                if (r < 0 || table_put(t, key, (offset << 32) | after) < 0)
                    goto done;
            }
            i += 2 + head + count;
            continue;
        }
        const int64_t *p = at + i + 1;
        Table *t;
        if (table == 2) {
            if (local_id(GHOST(s), p[0], &a) < 0 || local_id(NODE(s), p[1], &b) < 0 || local_id(GHOST(s), p[2], &c) < 0)
                goto done;
            t = &s->observed, key = a << 32 | b, value = c;
        }
        else if (table == 3) {
            if (local_id(NODE(s), p[0], &a) < 0 || local_id(NODE(s), p[1], &b) < 0)
                goto done;
            t = &s->node_ok, key = ((a << 32 | b) << 1) | (uint64_t)(p[2] != 0), value = p[3] != 0;
        }
        else if (table == 4) {
            if (local_id(NODE(s), p[0], &a) < 0 || local_id(GHOST(s), p[1], &b) < 0)
                goto done;
            t = &s->single_ok, key = a << 32 | b, value = p[2] != 0;
        }
        else {
            if (local_id(NODE(s), p[0], &a) < 0 || local_id(NODE(s), p[1], &b) < 0)
                goto done;
            t = &s->pair_ok, key = a << 32 | b, value = p[2] != 0;
        }
        if (!table_get(t, key, &known) && table_put(t, key, value) < 0)
            goto done;
        i += need;
    }
    result = Py_None;
    Py_INCREF(result);
    goto done;
bad:
    PyErr_SetString(PyExc_ValueError, "learn: not a run of lessons");
done:
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef Sync_methods[] = {
    {"learn", (PyCFunction)Sync_learn, METH_VARARGS, learn_doc},
    {"lessons", (PyCFunction)Sync_lessons, METH_VARARGS, lessons_doc},
    {"shipments", (PyCFunction)Sync_shipments, METH_NOARGS, shipments_doc},
    {"give", (PyCFunction)Sync_give, METH_VARARGS, give_doc},
    {"take", (PyCFunction)Sync_take, METH_VARARGS, take_doc},
    {"expand", (PyCFunction)Sync_expand, METH_VARARGS, expand_doc},
    {"accept", (PyCFunction)Sync_accept, METH_VARARGS, accept_doc},
    {"settle", (PyCFunction)Sync_settle, METH_VARARGS, settle_doc},
    {"merge", (PyCFunction)Sync_merge, METH_VARARGS, merge_doc},
    {NULL},
};

static PyTypeObject SyncType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker.search._native.Sync",
    .tp_basicsize = sizeof(Sync),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The expansion loop of the native model (either network, with or without symmetry reduction) over an Encoded's tables.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Sync_init,
    .tp_traverse = (traverseproc)Sync_traverse,
    .tp_clear = (inquiry)Sync_clear,
    .tp_dealloc = (destructor)Sync_dealloc,
    .tp_methods = Sync_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "checker.search._native", "The fast explorer's hot loop, in C (see checker/search/_native.c).", -1, module_methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
#if !PY_LITTLE_ENDIAN
    PyErr_SetString(PyExc_ImportError, "checker.search._native reads little-endian records only");
    return NULL;
#endif
    if (sizeof(long) < 8) {
        PyErr_SetString(PyExc_ImportError, "checker.search._native needs 64-bit longs");
        return NULL;
    }
    if (PyType_Ready(&SyncType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SyncType);
    if (PyModule_AddObject(m, "Sync", (PyObject *)&SyncType) < 0) {
        Py_DECREF(&SyncType);
        Py_DECREF(m);
        return NULL;
    }
    /* This file's numbering, for the test that holds it to checker/search/layout.py's. */
    PyObject *layout = Py_BuildValue(
        "{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}",
        "TICK", TICK, "REQUEST", REQUEST, "CUT", CUT, "HEAL", HEAL, "CRASH", CRASH, "RESTART", RESTART,
        "DELIVER", DELIVER, "DROP", DROP, "DUPLICATE", DUPLICATE,
        "HEARTBEAT", ACT_HEARTBEAT, "TIMEOUT", ACT_TIMEOUT, "ACT_REQUEST", ACT_REQUEST, "ACT_RESTART", ACT_RESTART,
        "AT_CUT", AT_CUT, "AT_CRASHED", AT_CRASHED, "AT_REQUESTS", AT_REQUESTS, "AT_GHOST", AT_GHOST, "AT_NET", AT_NET,
        "HEAD", HEAD, "MAX_NODES", MAX_NODES, "MAX_NET", MAX_NET, "MAX_SYMMETRY_NODES", MAX_SYMMETRY_NODES);
    if (layout == NULL || PyModule_AddObject(m, "LAYOUT", layout) < 0) {
        Py_XDECREF(layout);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
