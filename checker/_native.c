/* The fast explorer's hot loop for the synchronous network, in C.
 *
 * ``checker.parallel._Worker.expand`` spends nearly all of a search of the synchronous model in
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
 * owner is the same hash of the node states. ``tests/test_engine.py`` holds this loop to the
 * Python one, world for world and record for record.
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

enum { TICK, REQUEST, CUT, HEAL, CRASH, RESTART };

typedef struct {
    PyObject_HEAD
    int k, max_term, max_requests, max_cut, max_crashed;
    /* Lists indexed by interned node state, message or ghost history (they only grow). */
    PyObject *leads, *term, *commit, *committed, *source, *dest, *node_fp, *ghost_fp;
    /* Memo dictionaries, keyed as in checker/engine.py. */
    PyObject *received, *acted, *observed, *node_ok;
    /* What fills them on a miss. */
    PyObject *receive, *act, *observe, *step;
    /* The always properties: memoised verdicts, and Judge.always for what they miss. */
    PyObject *single_ok, *pair_ok, *always;
} Sync;

static int
list_long(PyObject *list, long i, long *out)
{
    if (i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_Format(PyExc_IndexError, "interned index %ld out of range", i);
        return -1;
    }
    long v = PyLong_AsLong(PyList_GET_ITEM(list, i));
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

static int
list_true(PyObject *list, long i, int *out)
{
    if (i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_Format(PyExc_IndexError, "interned index %ld out of range", i);
        return -1;
    }
    *out = PyList_GET_ITEM(list, i) == Py_True;
    return 0;
}

/* A new reference to the memoised value under ``key``, or NULL: a miss if no error is set. */
static PyObject *
memo(PyObject *dict, unsigned long long key)
{
    PyObject *k = PyLong_FromUnsignedLongLong(key);
    if (k == NULL)
        return NULL;
    PyObject *v = PyDict_GetItemWithError(dict, k);
    Py_DECREF(k);
    Py_XINCREF(v);
    return v;
}

/* (node state after, messages sent) from a memoised (node, tuple) pair. */
static int
outcome(PyObject *v, long *after, PyObject **sent)
{
    if (!PyTuple_Check(v) || PyTuple_GET_SIZE(v) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(v, 1))) {
        PyErr_SetString(PyExc_TypeError, "a memoised transition is not (node, messages)");
        return -1;
    }
    *after = PyLong_AsLong(PyTuple_GET_ITEM(v, 0));
    if (*after == -1 && PyErr_Occurred())
        return -1;
    if (sent != NULL) {
        *sent = PyTuple_GET_ITEM(v, 1);
        Py_INCREF(*sent);
    }
    return 0;
}

/* Encoded._receive: node ``n`` takes message ``m``. */
static int
receive(Sync *s, long n, long m, long *after, PyObject **sent)
{
    PyObject *v = memo(s->received, (unsigned long long)n << 32 | (unsigned long long)m);
    if (v == NULL) {
        if (PyErr_Occurred())
            return -1;
        v = PyObject_CallFunction(s->receive, "ll", n, m);
        if (v == NULL)
            return -1;
    }
    int r = outcome(v, after, sent);
    Py_DECREF(v);
    return r;
}

/* Encoded._act: a heartbeat (0), timeout (1), client request (2) or restart (3) at node ``n``. */
static int
act(Sync *s, int kind, long n, long arg, long *after, PyObject **sent)
{
    unsigned long long key = (((unsigned long long)n << 24 | (unsigned long long)arg) << 2) | (unsigned long long)kind;
    PyObject *v = memo(s->acted, key);
    if (v == NULL) {
        if (PyErr_Occurred())
            return -1;
        v = PyObject_CallFunction(s->act, "ill", kind, n, arg);
        if (v == NULL)
            return -1;
    }
    int r = outcome(v, after, sent);
    Py_DECREF(v);
    return r;
}

/* Encoded._observe: the ghost history ``g`` after it has seen node state ``n``. */
static int
observe(Sync *s, long g, long n, long *out)
{
    int leads;
    long commit, committed;
    if (list_true(s->leads, n, &leads) < 0 || list_long(s->commit, n, &commit) < 0 ||
        list_long(s->committed, g, &committed) < 0)
        return -1;
    if (!leads && commit <= committed) {
        *out = g;
        return 0;
    }
    PyObject *v = memo(s->observed, (unsigned long long)g << 32 | (unsigned long long)n);
    if (v == NULL) {
        if (PyErr_Occurred())
            return -1;
        v = PyObject_CallFunction(s->observe, "ll", g, n);
        if (v == NULL)
            return -1;
    }
    *out = PyLong_AsLong(v);
    Py_DECREF(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* Encoded._tick on the synchronous network: 1 with the next world in ``out``, 0 where the tick is
 * disabled, -1 on error. */
static int
sync_tick(Sync *s, const long *e, int j, long *out)
{
    int k = s->k, leads;
    long nodes[MAX_NODES];
    for (int i = 0; i < k; i++)
        nodes[i] = e[i];
    long n = nodes[j], term;
    PyObject *sent = NULL;
    if (list_true(s->leads, n, &leads) < 0)
        return -1;
    if (leads) {
        if (act(s, 0, n, 0, &n, &sent) < 0)
            return -1;
    }
    else {
        if (list_long(s->term, n, &term) < 0)
            return -1;
        if (term >= s->max_term)
            return 0;
        if (act(s, 1, n, 0, &n, &sent) < 0)
            return -1;
    }
    nodes[j] = n;
    long cut = e[k], crashed = e[k + 1], g = e[k + 3];
    if (observe(s, g, n, &g) < 0)
        goto fail;
    Py_ssize_t count = PyTuple_GET_SIZE(sent);
    for (Py_ssize_t i = 0; i < count; i++) {
        long m = PyLong_AsLong(PyTuple_GET_ITEM(sent, i)), source, dest;
        if (m == -1 && PyErr_Occurred())
            goto fail;
        if (list_long(s->source, m, &source) < 0 || list_long(s->dest, m, &dest) < 0)
            goto fail;
        long d = dest - 1;
        if ((cut >> (source - 1) & 1) || ((cut | crashed) >> d & 1))
            continue;
        long before = nodes[d], after;
        PyObject *replies = NULL;
        if (receive(s, before, m, &after, &replies) < 0)
            goto fail;
        if (after != before) {
            nodes[d] = after;
            if (observe(s, g, after, &g) < 0) {
                Py_DECREF(replies);
                goto fail;
            }
        }
        Py_ssize_t answers = PyTuple_GET_SIZE(replies);
        for (Py_ssize_t a = 0; a < answers; a++) {
            long r = PyLong_AsLong(PyTuple_GET_ITEM(replies, a));
            if ((r == -1 && PyErr_Occurred()) || list_long(s->dest, r, &dest) < 0) {
                Py_DECREF(replies);
                goto fail;
            }
            d = dest - 1;
            before = nodes[d];
            if (receive(s, before, r, &after, NULL) < 0) {
                Py_DECREF(replies);
                goto fail;
            }
            if (after != before) {
                nodes[d] = after;
                if (observe(s, g, after, &g) < 0) {
                    Py_DECREF(replies);
                    goto fail;
                }
            }
        }
        Py_DECREF(replies);
    }
    Py_DECREF(sent);
    for (int i = 0; i < k; i++)
        out[i] = nodes[i];
    out[k] = cut;
    out[k + 1] = crashed;
    out[k + 2] = e[k + 2];
    out[k + 3] = g;
    return 1;
fail:
    Py_DECREF(sent);
    return -1;
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

/* Judge.step: the changed-parts mask in ``changed``, or a violation in ``*violation`` (a new
 * reference). Verdicts are read from ``node_ok``; on any miss or broken verdict the Python method
 * decides the whole step, as it would have without this loop. */
static int
judge_step(Sync *s, const long *e, int kind, long arg, const long *after, long *changed, PyObject **violation)
{
    int k = s->k;
    long mask = after[k + 3] == e[k + 3] ? 0 : 1L << k;
    *violation = NULL;
    if (kind == TICK || kind == REQUEST || kind == RESTART) {
        long restarted = kind == RESTART ? arg - 1 : -1;
        for (int j = 0; j < k; j++) {
            long b = e[j], a = after[j];
            if (a == b)
                continue;
            mask |= 1L << j;
            unsigned long long key = (((unsigned long long)b << 32 | (unsigned long long)a) << 1) | (j == restarted);
            PyObject *v = memo(s->node_ok, key);
            if (v == Py_True) {
                Py_DECREF(v);
                continue;
            }
            Py_XDECREF(v);
            if (PyErr_Occurred())
                return -1;
            /* Not known, or broken: as Judge.step says. */
            PyObject *before_t = world_tuple(e, k + 4), *after_t = world_tuple(after, k + 4);
            PyObject *verdict = NULL;
            if (before_t != NULL && after_t != NULL)
                verdict = PyObject_CallFunction(s->step, "OilO", before_t, kind, arg, after_t);
            Py_XDECREF(before_t);
            Py_XDECREF(after_t);
            if (verdict == NULL)
                return -1;
            if (PyLong_CheckExact(verdict)) {
                mask = PyLong_AsLong(verdict);
                Py_DECREF(verdict);
                if (mask == -1 && PyErr_Occurred())
                    return -1;
            }
            else
                *violation = verdict;
            break;
        }
    }
    *changed = mask;
    return 0;
}

/* Everything ``emit`` needs about the world being expanded and where successors go. */
typedef struct {
    const long *e;
    PyObject *from_fp;
    long long from_value;
    Py_ssize_t position;
    PyObject *pending, *mine, *made, *sent, *broken;
    int me, workers;
    long transitions;
} Expansion;

static int
emit(Sync *s, Expansion *x, int kind, long arg, long n, const long *after)
{
    int k = s->k, length = k + 4;
    x->transitions++;
    if (memcmp(after, x->e, sizeof(long) * length) == 0)
        return 0; /* A step that changes nothing stays in a world already seen. */
    long changed = 0;
    PyObject *violation = NULL;
    if (judge_step(s, x->e, kind, arg, after, &changed, &violation) < 0)
        return -1;
    /* The global form: every interned part named by its fingerprint. */
    PyObject *g = PyTuple_New(length);
    if (g == NULL)
        goto fail;
    for (int j = 0; j < k; j++) {
        if (after[j] < 0 || after[j] >= PyList_GET_SIZE(s->node_fp)) {
            PyErr_SetString(PyExc_IndexError, "node state out of range");
            goto fail;
        }
        PyObject *f = PyList_GET_ITEM(s->node_fp, after[j]);
        Py_INCREF(f);
        PyTuple_SET_ITEM(g, j, f);
    }
    for (int j = k; j < k + 3; j++) {
        PyObject *v = PyLong_FromLong(after[j]);
        if (v == NULL)
            goto fail;
        PyTuple_SET_ITEM(g, j, v);
    }
    if (after[k + 3] < 0 || after[k + 3] >= PyList_GET_SIZE(s->ghost_fp)) {
        PyErr_SetString(PyExc_IndexError, "ghost history out of range");
        goto fail;
    }
    PyObject *f = PyList_GET_ITEM(s->ghost_fp, after[k + 3]);
    Py_INCREF(f);
    PyTuple_SET_ITEM(g, k + 3, f);
    Py_hash_t h = PyObject_Hash(g);
    if (h == -1)
        goto fail;
    long owner = 0;
    if (x->workers > 1) {
        PyObject *head = PyTuple_GetSlice(g, 0, k);
        if (head == NULL)
            goto fail;
        Py_hash_t hh = PyObject_Hash(head);
        Py_DECREF(head);
        if (hh == -1)
            goto fail;
        owner = (long)(hh % x->workers);
        if (owner < 0)
            owner += x->workers;
    }
    PyObject *fp = PyLong_FromSsize_t(h);
    if (fp == NULL)
        goto fail;
    if (violation != NULL) {
        PyObject *item = Py_BuildValue("(OOlOn)", fp, x->from_fp, n, violation, x->position);
        Py_DECREF(fp);
        Py_DECREF(g);
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
        Py_DECREF(fp);
        Py_DECREF(g);
        return -1;
    }
    int r = 0;
    if (owner == x->me) {
        int held = PyDict_Contains(x->pending, fp);
        if (held == 0)
            held = PyDict_Contains(x->mine, fp);
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
                uint8_t maker = (uint8_t)x->me;
                memcpy(p, &from, 8);
                memcpy(p + 8, &v32, 4);
                memcpy(p + 12, &pos32, 4);
                memcpy(p + 16, &maker, 1);
                for (int i = 0; i < length; i++) {
                    uint32_t w = (uint32_t)after[i];
                    memcpy(p + HEAD + 4 * i, &w, 4);
                }
                r = PyDict_SetItem(x->pending, fp, record);
                Py_DECREF(record);
            }
        }
    }
    else {
        /* For another owner: a global record (see GLOBAL below), once per world. */
        PyObject *known = PyList_GET_ITEM(x->sent, owner), *out = PyList_GET_ITEM(x->made, owner);
        int held = PySet_Contains(known, fp);
        if (held < 0 || (held == 0 && PySet_Add(known, fp) < 0))
            r = -1;
        else if (held == 0) {
            Py_ssize_t at = PyByteArray_GET_SIZE(out);
            if (PyByteArray_Resize(out, at + GLOBAL(k)) < 0)
                r = -1;
            else {
                char *p = PyByteArray_AS_STRING(out) + at;
                int64_t v64 = (int64_t)h, from = (int64_t)x->from_value;
                uint32_t v32 = (uint32_t)via, pos32 = (uint32_t)x->position;
                memcpy(p, &v64, 8);
                memcpy(p + 8, &from, 8);
                memcpy(p + 16, &v32, 4);
                memcpy(p + 20, &pos32, 4);
                p += 24;
                for (int j = 0; j < k; j++) {
                    v64 = PyLong_AsLongLong(PyTuple_GET_ITEM(g, j));
                    memcpy(p + 8 * j, &v64, 8);
                }
                p += 8 * k;
                for (int j = 0; j < 3; j++) {
                    v32 = (uint32_t)after[k + j];
                    memcpy(p + 4 * j, &v32, 4);
                }
                v64 = PyLong_AsLongLong(PyTuple_GET_ITEM(g, k + 3));
                memcpy(p + 12, &v64, 8);
                if (PyErr_Occurred())
                    r = -1;
            }
        }
    }
    Py_DECREF(fp);
    Py_DECREF(g);
    return r;
fail:
    Py_XDECREF(g);
    Py_XDECREF(violation);
    return -1;
}

static int
expand_world(Sync *s, Expansion *x)
{
    int k = s->k, length = k + 4;
    const long *e = x->e;
    long cut = e[k], crashed = e[k + 1], requests = e[k + 2];
    int ncut = __builtin_popcountl((unsigned long)cut), ncrashed = __builtin_popcountl((unsigned long)crashed);
    long after[MAX_NODES + 4];
    long n = 0; /* The position in Model.actions of the next action tried. */
    for (int j = 0; j < k; j++) {
        long bit = 1L << j, arg = j + 1;
        if (crashed & bit) {
            memcpy(after, e, sizeof(long) * length);
            if (act(s, 3, e[j], 0, &after[j], NULL) < 0)
                return -1;
            after[k + 1] = crashed & ~bit;
            if (emit(s, x, RESTART, arg, n, after) < 0)
                return -1;
            n++;
            continue;
        }
        int taken = sync_tick(s, e, j, after);
        if (taken < 0 || (taken && emit(s, x, TICK, arg, n, after) < 0))
            return -1;
        n++;
        int leads;
        if (list_true(s->leads, e[j], &leads) < 0)
            return -1;
        if (leads && requests < s->max_requests) {
            memcpy(after, e, sizeof(long) * length);
            if (act(s, 2, e[j], requests + 1, &after[j], NULL) < 0)
                return -1;
            after[k + 2] = requests + 1;
            if (observe(s, e[k + 3], after[j], &after[k + 3]) < 0)
                return -1;
            if (emit(s, x, REQUEST, arg, n, after) < 0)
                return -1;
            n++;
        }
        if (cut & bit) {
            memcpy(after, e, sizeof(long) * length);
            after[k] = cut & ~bit;
            if (emit(s, x, HEAL, arg, n, after) < 0)
                return -1;
            n++;
        }
        else if (ncut < s->max_cut) {
            memcpy(after, e, sizeof(long) * length);
            after[k] = cut | bit;
            if (emit(s, x, CUT, arg, n, after) < 0)
                return -1;
            n++;
        }
        if (ncrashed < s->max_crashed) {
            memcpy(after, e, sizeof(long) * length);
            after[k + 1] = crashed | bit;
            if (emit(s, x, CRASH, arg, n, after) < 0)
                return -1;
            n++;
        }
    }
    return 0;
}


/* Judge.always on world ``e`` whose parts outside ``changed`` passed: NULL with no error where it
 * holds, else a new reference to the violation. Verdicts are read from ``single_ok`` and
 * ``pair_ok``; on any miss or broken verdict the Python method decides, as it would have. */
static PyObject *
judge_always(Sync *s, const long *e, long changed)
{
    int k = s->k;
    long g = e[k + 3];
    int every = changed >> k & 1;
    for (int j = 0; j < k; j++) {
        if (!(every || changed >> j & 1))
            continue;
        PyObject *v = memo(s->single_ok, (unsigned long long)e[j] << 32 | (unsigned long long)g);
        int ok = v == Py_True;
        Py_XDECREF(v);
        if (!ok)
            goto ask;
    }
    for (int a = 0; a < k; a++) {
        for (int b = a + 1; b < k; b++) {
            if (!(changed >> a & 1 || changed >> b & 1))
                continue;
            PyObject *v = memo(s->pair_ok, (unsigned long long)e[a] << 32 | (unsigned long long)e[b]);
            int ok = v == Py_True;
            Py_XDECREF(v);
            if (!ok)
                goto ask;
        }
    }
    return NULL;
ask:
    if (PyErr_Occurred())
        return NULL;
    PyObject *t = world_tuple(e, k + 4);
    if (t == NULL)
        return NULL;
    PyObject *verdict = PyObject_CallFunction(s->always, "Ol", t, changed);
    Py_DECREF(t);
    if (verdict == Py_None) {
        Py_DECREF(verdict);
        return NULL;
    }
    return verdict;
}

typedef struct {
    long long fp;
    PyObject *packed;
} Candidate;

static int
by_fingerprint(const void *a, const void *b)
{
    long long x = ((const Candidate *)a)->fp, y = ((const Candidate *)b)->fp;
    return (x > y) - (x < y);
}

PyDoc_STRVAR(accept_doc,
"accept(candidates, frontier, note, noted, reached, sometimes) -> (fingerprints, senders, ups, vias, broken)\n\n"
"The own part of checker.parallel._Worker.accept: the new worlds of ``candidates`` (fingerprint ->\n"
"packed record, or None for one seen before), in order of fingerprint, appended to ``frontier``,\n"
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
    int k = s->k, length = k + 4, shift = k + 1;
    Py_ssize_t size = PyDict_GET_SIZE(candidates), count = 0, pos = 0;
    Candidate *items = PyMem_Malloc(sizeof(Candidate) * (size ? size : 1));
    if (items == NULL)
        return PyErr_NoMemory();
    PyObject *key, *value, *result = NULL, *fps = NULL, *senders = NULL, *ups = NULL, *vias = NULL, *broken = NULL;
    while (PyDict_Next(candidates, &pos, &key, &value)) {
        if (value == Py_None)
            continue;
        if (!PyBytes_Check(value) || PyBytes_GET_SIZE(value) != HEAD + 4 * length) {
            PyErr_SetString(PyExc_ValueError, "accept: a candidate is not a packed synchronous world");
            goto done;
        }
        items[count].fp = PyLong_AsLongLong(key);
        if (items[count].fp == -1 && PyErr_Occurred())
            goto done;
        items[count++].packed = value;
    }
    qsort(items, count, sizeof(Candidate), by_fingerprint);
    fps = PyList_New(count);
    senders = PyBytes_FromStringAndSize(NULL, count);
    ups = PyBytes_FromStringAndSize(NULL, 4 * count);
    vias = PyBytes_FromStringAndSize(NULL, 2 * count);
    if (fps == NULL || senders == NULL || ups == NULL || vias == NULL)
        goto done;
    Py_ssize_t base = PyList_GET_SIZE(frontier);
    long e[MAX_NODES + 4];
    for (Py_ssize_t i = 0; i < count; i++) {
        const char *p = PyBytes_AS_STRING(items[i].packed);
        uint32_t via, up;
        memcpy(&via, p + 8, 4);
        memcpy(&up, p + 12, 4);
        PyBytes_AS_STRING(senders)[i] = p[16];
        memcpy(PyBytes_AS_STRING(ups) + 4 * i, &up, 4);
        uint16_t n = (uint16_t)(via >> shift);
        memcpy(PyBytes_AS_STRING(vias) + 2 * i, &n, 2);
        PyObject *fp = PyLong_FromLongLong(items[i].fp);
        if (fp == NULL)
            goto done;
        PyList_SET_ITEM(fps, i, fp);
        if (PyList_Append(frontier, items[i].packed) < 0)
            goto done;
        for (int j = 0; j < length; j++) {
            uint32_t w;
            memcpy(&w, p + HEAD + 4 * j, 4);
            e[j] = (long)w;
        }
        PyObject *violation = judge_always(s, e, (long)(via & ((1u << shift) - 1)));
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
        PyObject *g = PyLong_FromLong(e[k + 3]);
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

/* Whether ``fp`` is in the array, searching from ``*from`` on: needles looked up in ascending order
 * move the start forward, so consecutive searches share their path through the array. */
static int
sorted_has(const Sorted *seen, int64_t fp, Py_ssize_t *from)
{
    Py_ssize_t lo = *from, hi = seen->size;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (seen->at[mid] < fp)
            lo = mid + 1;
        else
            hi = mid;
    }
    *from = lo;
    return lo < seen->size && seen->at[lo] == fp;
}

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

PyDoc_STRVAR(settle_doc,
"settle(pending, mine, seen)\n\n"
"Move the entries of ``pending`` whose fingerprints are not in ``seen`` (a sorted int64 array) to\n"
"``mine``, and empty ``pending``: checker.parallel._Worker._settle_packed.");

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

static int
local_id(PyObject *by_fp, int64_t fp, long *out)
{
    PyObject *key = PyLong_FromLongLong(fp);
    if (key == NULL)
        return -1;
    PyObject *v = PyDict_GetItemWithError(by_fp, key);
    Py_DECREF(key);
    if (v == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_KeyError, "a global record names a part never defined");
        return -1;
    }
    *out = PyLong_AsLong(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* The packed record (see HEAD) of global record ``p`` from ``sender``, in this worker's spelling. */
static PyObject *
localise(Sync *s, const char *p, int sender, PyObject *node_by_fp, PyObject *ghost_by_fp)
{
    int k = s->k, length = k + 4;
    PyObject *record = PyBytes_FromStringAndSize(NULL, HEAD + 4 * length);
    if (record == NULL)
        return NULL;
    char *q = PyBytes_AS_STRING(record);
    memcpy(q, p + 8, 16); /* parent's fingerprint, via, position */
    q[16] = (char)sender;
    q += HEAD;
    for (int j = 0; j < k; j++) {
        int64_t fp;
        long id;
        memcpy(&fp, p + 24 + 8 * j, 8);
        if (local_id(node_by_fp, fp, &id) < 0) {
            Py_DECREF(record);
            return NULL;
        }
        uint32_t v = (uint32_t)id;
        memcpy(q + 4 * j, &v, 4);
    }
    memcpy(q + 4 * k, p + 24 + 8 * k, 12); /* cut, crashed, requests */
    int64_t fp;
    long id;
    memcpy(&fp, p + 24 + 8 * k + 12, 8);
    if (local_id(ghost_by_fp, fp, &id) < 0) {
        Py_DECREF(record);
        return NULL;
    }
    uint32_t v = (uint32_t)id;
    memcpy(q + 4 * (k + 3), &v, 4);
    return record;
}

PyDoc_STRVAR(merge_doc,
"merge(candidates, records, sender, node_by_fp, ghost_by_fp, seen)\n\n"
"Take another worker's global records into ``candidates`` (fingerprint -> packed record, or None\n"
"for a world of an earlier level), as checker.parallel._Worker.accept does: of two steps to one\n"
"world the smaller (parent's fingerprint, action position) is kept.");

static PyObject *
Sync_merge(Sync *s, PyObject *args)
{
    PyObject *candidates, *node_by_fp, *ghost_by_fp, *array;
    Py_buffer records;
    int sender;
    if (!PyArg_ParseTuple(args, "O!y*iO!O!O", &PyDict_Type, &candidates, &records, &sender, &PyDict_Type, &node_by_fp,
                          &PyDict_Type, &ghost_by_fp, &array))
        return NULL;
    int k = s->k;
    Py_ssize_t size = GLOBAL(k), count = records.len / size, fresh = 0;
    PyObject *result = NULL;
    Entry *items = NULL;
    Sorted seen;
    if (sorted_open(array, &seen) < 0) {
        PyBuffer_Release(&records);
        return NULL;
    }
    if (records.len % size != 0 || sender < 0 || sender > 255) {
        PyErr_SetString(PyExc_ValueError, "merge: not a whole number of global records");
        goto done;
    }
    items = PyMem_Malloc(sizeof(Entry) * (count ? count : 1));
    if (items == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const char *base = records.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        const char *p = base + i * size;
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
                PyObject *record = localise(s, p, sender, node_by_fp, ghost_by_fp);
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
        else if ((value = localise(s, (const char *)items[i].value, sender, node_by_fp, ghost_by_fp)) == NULL)
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
"expand(frontier, fps, start, stop, pending, mine, made, sent, me, workers, broken) -> transitions\n\n"
"Expand frontier[start:stop] (packed records) as checker.parallel._Worker.expand does: own new\n"
"successors go to ``pending`` as packed records, other owners' to the bytearray ``made[owner]``\n"
"as global records, once each (``sent[owner]``: the set of their fingerprints); broken steps\n"
"are appended to ``broken`` as\n"
"(fingerprint, parent fingerprint, action position, violation, position). Expanded records are\n"
"replaced by None.");

static PyObject *
Sync_expand(Sync *s, PyObject *args)
{
    PyObject *frontier, *fps, *pending, *mine, *made, *sent, *broken;
    Py_ssize_t start, stop;
    int me, workers;
    if (!PyArg_ParseTuple(args, "O!O!nnO!O!O!O!iiO!", &PyList_Type, &frontier, &PyList_Type, &fps, &start, &stop,
                          &PyDict_Type, &pending, &PyDict_Type, &mine, &PyList_Type, &made, &PyList_Type, &sent,
                          &me, &workers, &PyList_Type, &broken))
        return NULL;
    int k = s->k, length = k + 4;
    if (start < 0 || stop > PyList_GET_SIZE(frontier) || stop > PyList_GET_SIZE(fps) || workers < 1 ||
        me < 0 || me >= workers || PyList_GET_SIZE(made) != workers || PyList_GET_SIZE(sent) != workers) {
        PyErr_SetString(PyExc_ValueError, "expand: arguments out of range");
        return NULL;
    }
    for (int w = 0; w < workers; w++) {
        if (w != me && (!PyByteArray_Check(PyList_GET_ITEM(made, w)) || !PySet_Check(PyList_GET_ITEM(sent, w)))) {
            PyErr_SetString(PyExc_TypeError, "expand: made and sent must hold a bytearray and a set per other owner");
            return NULL;
        }
    }
    Expansion x = {.pending = pending, .mine = mine, .made = made, .sent = sent, .broken = broken, .me = me, .workers = workers};
    long e[MAX_NODES + 4];
    x.e = e;
    for (Py_ssize_t position = start; position < stop; position++) {
        PyObject *packed = PyList_GET_ITEM(frontier, position);
        if (!PyBytes_Check(packed) || PyBytes_GET_SIZE(packed) != HEAD + 4 * length) {
            PyErr_SetString(PyExc_ValueError, "expand: a frontier record is not a synchronous world");
            return NULL;
        }
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
        x.position = position;
        int r = (x.from_value == -1 && PyErr_Occurred()) ? -1 : expand_world(s, &x);
        Py_DECREF(x.from_fp);
        if (r < 0)
            return NULL;
    }
    return PyLong_FromLong(x.transitions);
}

static int
Sync_init(Sync *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"k", "max_term", "max_requests", "max_cut", "max_crashed",
                            "leads", "term", "commit", "committed", "source", "dest", "node_fp", "ghost_fp",
                            "received", "acted", "observed", "node_ok",
                            "receive", "act", "observe", "step", "single_ok", "pair_ok", "always", NULL};
    PyObject *leads, *term, *commit, *committed, *source, *dest, *node_fp, *ghost_fp;
    PyObject *received, *acted, *observed, *node_ok, *receive_, *act_, *observe_, *step;
    PyObject *single_ok, *pair_ok, *always;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iiiiiO!O!O!O!O!O!O!O!O!O!O!O!OOOOO!O!O", names,
                                     &s->k, &s->max_term, &s->max_requests, &s->max_cut, &s->max_crashed,
                                     &PyList_Type, &leads, &PyList_Type, &term, &PyList_Type, &commit,
                                     &PyList_Type, &committed, &PyList_Type, &source, &PyList_Type, &dest,
                                     &PyList_Type, &node_fp, &PyList_Type, &ghost_fp,
                                     &PyDict_Type, &received, &PyDict_Type, &acted, &PyDict_Type, &observed,
                                     &PyDict_Type, &node_ok, &receive_, &act_, &observe_, &step,
                                     &PyDict_Type, &single_ok, &PyDict_Type, &pair_ok, &always))
        return -1;
    if (s->k < 1 || s->k > MAX_NODES) {
        PyErr_Format(PyExc_ValueError, "the native loop handles 1 to %d nodes, not %d", MAX_NODES, s->k);
        return -1;
    }
#define KEEP(field, value) do { Py_INCREF(value); Py_XSETREF(s->field, value); } while (0)
    KEEP(leads, leads); KEEP(term, term); KEEP(commit, commit); KEEP(committed, committed);
    KEEP(source, source); KEEP(dest, dest); KEEP(node_fp, node_fp); KEEP(ghost_fp, ghost_fp);
    KEEP(received, received); KEEP(acted, acted); KEEP(observed, observed); KEEP(node_ok, node_ok);
    KEEP(receive, receive_); KEEP(act, act_); KEEP(observe, observe_); KEEP(step, step);
    KEEP(single_ok, single_ok); KEEP(pair_ok, pair_ok); KEEP(always, always);
#undef KEEP
    return 0;
}

static int
Sync_traverse(Sync *s, visitproc visit, void *arg)
{
    Py_VISIT(s->leads); Py_VISIT(s->term); Py_VISIT(s->commit); Py_VISIT(s->committed);
    Py_VISIT(s->source); Py_VISIT(s->dest); Py_VISIT(s->node_fp); Py_VISIT(s->ghost_fp);
    Py_VISIT(s->received); Py_VISIT(s->acted); Py_VISIT(s->observed); Py_VISIT(s->node_ok);
    Py_VISIT(s->receive); Py_VISIT(s->act); Py_VISIT(s->observe); Py_VISIT(s->step);
    Py_VISIT(s->single_ok); Py_VISIT(s->pair_ok); Py_VISIT(s->always);
    return 0;
}

static int
Sync_clear(Sync *s)
{
    Py_CLEAR(s->leads); Py_CLEAR(s->term); Py_CLEAR(s->commit); Py_CLEAR(s->committed);
    Py_CLEAR(s->source); Py_CLEAR(s->dest); Py_CLEAR(s->node_fp); Py_CLEAR(s->ghost_fp);
    Py_CLEAR(s->received); Py_CLEAR(s->acted); Py_CLEAR(s->observed); Py_CLEAR(s->node_ok);
    Py_CLEAR(s->receive); Py_CLEAR(s->act); Py_CLEAR(s->observe); Py_CLEAR(s->step);
    Py_CLEAR(s->single_ok); Py_CLEAR(s->pair_ok); Py_CLEAR(s->always);
    return 0;
}

static void
Sync_dealloc(Sync *s)
{
    PyObject_GC_UnTrack(s);
    Sync_clear(s);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyMethodDef Sync_methods[] = {
    {"expand", (PyCFunction)Sync_expand, METH_VARARGS, expand_doc},
    {"accept", (PyCFunction)Sync_accept, METH_VARARGS, accept_doc},
    {"settle", (PyCFunction)Sync_settle, METH_VARARGS, settle_doc},
    {"merge", (PyCFunction)Sync_merge, METH_VARARGS, merge_doc},
    {NULL},
};

static PyTypeObject SyncType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker._native.Sync",
    .tp_basicsize = sizeof(Sync),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The expansion loop of the synchronous model over an Encoded's tables.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Sync_init,
    .tp_traverse = (traverseproc)Sync_traverse,
    .tp_clear = (inquiry)Sync_clear,
    .tp_dealloc = (destructor)Sync_dealloc,
    .tp_methods = Sync_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "checker._native", "The fast explorer's hot loop, in C (see checker/_native.c).", -1, NULL,
};

PyMODINIT_FUNC
PyInit__native(void)
{
#if !PY_LITTLE_ENDIAN
    PyErr_SetString(PyExc_ImportError, "checker._native reads little-endian records only");
    return NULL;
#endif
    if (sizeof(long) < 8) {
        PyErr_SetString(PyExc_ImportError, "checker._native needs 64-bit longs");
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
    return m;
}
