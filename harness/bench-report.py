#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Read what the guests of make bench printed and write the report: a
# Markdown file and a PNG plot beside it (drawn by gnuplot).
#
#   bench-report.py GUEST_DIR REPORT.md PLOT.png
#
# GUEST_DIR holds, for each run N of 1 and 2, the boots bench-N-kernel (the
# in-kernel benchmark: lines "ioasid_bench: TEST key=value..." in its
# console log), bench-N-on and bench-N-off (harness/bench's "# bench KIND
# key=value..." lines, with the controller and with cgroup_disable=ioasids),
# all under -icount; and bench-parallel, without it.  Fails when a result
# is missing or a benchmark failed; a target that is missed is reported,
# not failed.
import os
import re
import subprocess
import sys
import time

guest, report, plot = sys.argv[1:4]
RUNS = (1, 2)
# A ratio that moves more than this between the two runs is flagged
MAX_MOVE = 0.02
errors = []


def fields(text):
    return dict(t.split('=', 1) for t in text.split() if '=' in t)


def kernel_lines(boot):
    """The in-kernel benchmark's lines of @boot, by test"""
    out = {}
    path = os.path.join(guest, boot, 'console.log')
    try:
        text = open(path, errors='replace').read()
    except OSError:
        errors.append('no console log of %s' % boot)
        return out
    for m in re.finditer(r'ioasid_bench: (\w+) ([^\r\n]*)', text):
        out.setdefault(m.group(1), []).append(fields(m.group(2)))
    return out


def user_lines(boot):
    """harness/bench's results of @boot: a list of (kind, fields)"""
    out = []
    results = os.path.join(guest, boot, 'results')
    for prog in ('1-sva', '2-pinned', '3-stat'):
        try:
            rc = open(os.path.join(results, prog + '.rc')).read().strip()
            text = open(os.path.join(results, prog + '.tap')).read()
        except OSError:
            errors.append('%s: no result of %s' % (boot, prog))
            continue
        if rc != '0':
            errors.append('%s: %s failed (status %s)' % (boot, prog, rc))
        for m in re.finditer(r'^# bench (\w+) (.*)$', text, re.M):
            out.append((m.group(1), fields(m.group(2))))
    return out


def find(lines, kind, **match):
    for k, f in lines:
        if k == kind and all(f.get(a) == str(v) for a, v in match.items()):
            return f
    errors.append('no "%s" result with %s' % (kind, match))
    return None


class Item:
    """One measured ratio, in each run, against its target"""

    def __init__(self, key, what, target, better, unit='x', cause=''):
        self.key, self.what, self.target = key, what, target
        self.better = better    # 'lower' or 'higher'
        self.unit, self.cause = unit, cause
        self.values = {}
        self.detail = {}

    def met(self, run=1):
        v = self.values.get(run)
        if v is None or self.target is None:
            return None
        return v <= self.target if self.better == 'lower' else v >= self.target

    def move(self):
        a, b = self.values.get(1), self.values.get(2)
        # A difference of two figures near 0 moves by its noise
        if a is None or b is None or not a or self.target == 0:
            return None
        return b / a - 1


items = []


def item(*args, **kw):
    it = Item(*args, **kw)
    items.append(it)
    return it


alloc = item('alloc', '`ioasid_alloc` + `ioasid_free` at depth 1 vs 6.12\'s '
             '`ida_alloc_range` + `ida_free`', 1.2, 'lower')
charge = {d: item('charge%d' % d, 'charge + uncharge of one IOASID at depth '
                  '%d vs misc\'s of one unit' % d, 1.0, 'lower')
          for d in (1, 4, 16)}
sva_same = item('sva_same', 'SVA bind + unbind on the mock device, same mm '
                '(the PASID stays), on vs off', 1.02, 'lower')
sva_new = item('sva_new', 'SVA first bind + unbind of a new process (PASID '
               'allocated and charged), on vs off', 1.02, 'lower')
pinned = {}
for backend, name in (('type1', 'VFIO type1 `MAP_DMA` + `UNMAP_DMA`'),
                      ('iommufd', 'iommufd `IOAS_MAP` + `IOAS_UNMAP`')):
    for size, count, label in ((4, 100000, '4 KiB x 100,000'),
                               (2048, 64, '2 MiB x 64'),
                               (1048576, 1, '1 GiB'),
                               ('offset', 1, '1 GiB of huge pages from 1 MiB '
                                'into the first, as a VMM maps guest memory')):
        pinned[backend, size] = item(
            'pin_%s_%s' % (backend, size),
            '%s of %s: throughput on vs off' % (name, label), 0.98, 'higher')
stat = item('stat', 'a read of `ioasids.stat` with 10,000 sets held by '
            'another cgroup vs with 1', 1.05, 'lower')
mem_id = item('mem_id', 'slab memory per live IOASID (100,000 live)', 64,
              'lower', unit=' bytes')
mem_map = {b: item('mem_%s' % b, 'slab memory per 4 KiB mapping that the '
                   'controller adds, %s (on minus off)' % b, 0, 'lower',
                   unit=' bytes') for b in ('type1', 'iommufd')}
# The memory of a 1 GiB mapping: its pages, as bench_ioasids calls them
MEM_PAGES = {'huge': 'huge pages', 'huge-offset': 'huge pages from 1 MiB on',
             'small': 'small pages'}
mem_page = {(b, pg): item('mem_%s_%s' % (pg, b), 'slab memory per pinned '
                          'page of a 1 GiB mapping of %s that the '
                          'controller adds, %s (on minus off)'
                          % (MEM_PAGES[pg], b), 0, 'lower', unit=' bytes')
            for pg in MEM_PAGES for b in ('type1', 'iommufd')}
parallel = item('parallel', 'alloc + free throughput of two vCPUs in sibling '
                'cgroups vs one (host clock, no -icount) vs the IDA\'s same '
                'ratio', None, 'higher')

fill = {}
profile = {}
pin_profile = {}
fill_all = {}
kernel = {}
for run in RUNS:
    k = kernel[run] = kernel_lines('bench-%d-kernel' % run)
    if 'alloc' in k:
        a = k['alloc'][-1]
        alloc.values[run] = int(a['ratio_milli']) / 1000
        alloc.detail[run] = (int(a['ioasid_ps']) / 1000, int(a['ida_ps']) / 1000)
    for c in k.get('charge', []):
        d = int(c['depth'])
        if d in charge:
            charge[d].values[run] = int(c['ratio_milli']) / 1000
            charge[d].detail[run] = (int(c['ioasids_ps']) / 1000,
                                     int(c['misc_ps']) / 1000)
    for m in k.get('memory', []):
        if m.get('ids') == '100000':
            mem_id.values[run] = int(m['bytes_per_id_milli']) / 1000
    fill[run] = {int(f['live']): f for f in k.get('fill_level', [])}
    profile[run] = {p['step']: int(p['ps']) / 1000 for p in k.get('profile', [])}
    pin_profile[run] = {p['step']: int(p['ps']) / 1000 for p in k.get('pin', [])}
    fill_all[run] = (k.get('fill_all', [{}])[-1], k.get('cgroup', [{}])[-1])
    for t in ('alloc', 'charge', 'memory', 'fill_level', 'fill_all', 'profile',
              'pin'):
        if t not in k:
            errors.append('bench-%d-kernel: no "%s" line' % (run, t))

    on = user_lines('bench-%d-on' % run)
    off = user_lines('bench-%d-off' % run)
    s_on, s_off = find(on, 'sva', controller='on'), find(off, 'sva', controller='off')
    if s_on and s_off:
        n = int(s_on['count'])
        sva_same.values[run] = int(s_on['same_mm_ns']) / int(s_off['same_mm_ns'])
        sva_new.values[run] = (int(s_on['first_bind_ns']) /
                               int(s_off['first_bind_ns']))
        sva_same.detail[run] = (int(s_on['same_mm_ns']) / n,
                                int(s_off['same_mm_ns']) / n)
        sva_new.detail[run] = (int(s_on['first_bind_ns']),
                               int(s_off['first_bind_ns']))
    st = find(on, 'stat')
    if st:
        stat.values[run] = int(st['many_ns']) / int(st['one_ns'])
        stat.detail[run] = (int(st['many_ns']), int(st['one_ns']))
    for (backend, size), it in pinned.items():
        # The first result of a size is the one without a memory cgroup
        match = (dict(size_kib=1048576, pages='huge-offset')
                 if size == 'offset' else dict(size_kib=size))
        p_on = find(on, 'pinned', backend=backend, controller='on', **match)
        p_off = find(off, 'pinned', backend=backend, controller='off', **match)
        if not p_on or not p_off:
            continue
        t_on = int(p_on['map_ns']) + int(p_on['unmap_ns'])
        t_off = int(p_off['map_ns']) + int(p_off['unmap_ns'])
        it.values[run] = t_off / t_on
        it.detail[run] = (t_on / int(p_on['count']), t_off / int(p_off['count']),
                          int(p_on['map_ns']) / int(p_off['map_ns']),
                          int(p_on['unmap_ns']) / int(p_off['unmap_ns']))
        if size == 4:
            n = int(p_on['count'])
            mem_map[backend].values[run] = \
                (int(p_on['slab_bytes']) - int(p_off['slab_bytes'])) / n
            mem_map[backend].detail[run] = (int(p_on['slab_bytes']) / n,
                                            int(p_off['slab_bytes']) / n)
        if size == 1048576:
            mem_pages = {pg: (find(on, 'pinned', backend=backend,
                                   size_kib=size, pages=pg),
                              find(off, 'pinned', backend=backend,
                                   size_kib=size, pages=pg))
                         for pg in MEM_PAGES}
            for pg, (m_on, m_off) in mem_pages.items():
                if m_on and m_off:
                    mem_page[backend, pg].values[run] = \
                        (int(m_on['slab_bytes']) -
                         int(m_off['slab_bytes'])) / (size // 4)
                    mem_page[backend, pg].detail[run] = \
                        (int(m_on['slab_bytes']), int(m_off['slab_bytes']))

par = kernel_lines('bench-parallel').get('parallel', [])
if par:
    p = par[-1]
    parallel.values[1] = int(p['ioasid_scaling_milli']) / 1000
    parallel.target = int(p['ida_scaling_milli']) / 1000
    parallel.detail[1] = p
else:
    errors.append('bench-parallel: no "parallel" line')

if errors:
    sys.exit('bench-report: ' + '; '.join(errors))


def fmt(it, v):
    if v is None:
        return '-'
    if it.unit == 'x':
        return '%.3fx' % v
    return '%.1f%s' % (v, it.unit)


def target_str(it):
    if it.target is None:
        return 'reported'
    op = '<=' if it.better == 'lower' else '>='
    return '%s %s' % (op, fmt(it, it.target))


def verdict(it):
    m = it.met(1)
    if m is None:
        return ''
    both = it.met(2)
    if both is not None and both != m:
        return 'met in one run of two'
    return 'met' if m else '**missed**'


# The findings: what each miss comes from, from this run's figures
pr = profile[1]
a_on, a_ida = alloc.detail[1]
c1_on, c1_misc = charge[1].detail[1]
c16_on, c16_misc = charge[16].detail[1]
c4_on, c4_misc = charge[4].detail[1]
per_level_on = (c16_on - c1_on) / 15
per_level_misc = (c16_misc - c1_misc) / 15
findings = []
if not alloc.met():
    findings.append(
        'Item 1 (allocation, %.3fx) misses 1.2x.  Per allocation and release, '
        'the IDA runs %.0f instructions and the allocator %.0f.  The profile '
        'splits the allocator\'s: the xarray\'s allocation and erasure of an '
        'entry in its root %.0f (%.2fx the whole IDA: the IDA keeps its first '
        'IDs as bits of one value in its root, the allocator needs an entry '
        'that points to the set, for ioasid_free() and ioasid_set_holds() to '
        'check the owner), the cgroup charge %.0f, the set\'s quota %.0f, and '
        'the rest, %.0f, the calls, the range checks and the set\'s range.  '
        'The charge alone is %.2fx of the IDA: with the xarray\'s cost that '
        'the owner check needs, 1.2x is out of reach unless the charge is '
        'batched, which would let a set hold IDs it has not been charged for.'
        % (alloc.values[1], a_ida, a_on, pr['xarray'], pr['xarray'] / a_ida,
           pr['charge'], pr['atomic'],
           a_on - pr['xarray'] - pr['charge'] - pr['atomic'],
           pr['charge'] / a_ida))
if not all(charge[d].met() for d in charge):
    findings.append(
        'Item 2 (charge) misses 1.0x: %.3fx, %.3fx and %.3fx at depths 1, 4 '
        'and 16.  Per level of the hierarchy the charge and uncharge cost '
        '%.1f instructions against misc\'s %.1f: both add atomically and '
        'compare with the limit, but `page_counter_try_charge()` also keeps '
        'a local peak beside the peak (for `ioasids.peak` to be reset by a '
        'write, as `memory.peak` is) and checks whether the counter tracks '
        'memory protection.  The constant, %.0f instructions more than '
        'misc\'s at depth 1, is the per-CPU count by kind that '
        '`ioasids.stat` sums (so that a read costs the reader\'s subtree, not '
        'the system\'s sets: item 5) and a second call, since the charge '
        'stays out of line in the controller, whose struct is private.  '
        'Both are what the interface files cost; the ratio falls with depth '
        'towards the per-level one, %.3fx.'
        % (charge[1].values[1], charge[4].values[1], charge[16].values[1],
           per_level_on, per_level_misc,
           (c1_on - per_level_on * 2) - (c1_misc - per_level_misc * 2),
           per_level_on / per_level_misc))
fb = [sva_new.detail[r] for r in RUNS]
findings.append(
    'Item 3, the first bind of a new process: a bind without the '
    'controller runs %s instructions (the median of 200 children, in each '
    'boot), with it %s: measured ratios of %s.  The same figure varies '
    'from boot to boot (here by %.1f%% without the controller) by more '
    'than the controller can cost: it adds to a first bind the '
    'PASID\'s charge, %.0f instructions (item 2), and a reference on the '
    'cgroup, while the bind allocates an SVA domain, the mm\'s data and '
    'its set of IDs, whose cost likely depends on the state in which each '
    'boot leaves the slab allocator.  Derived from the exact counts '
    'instead, the bind without the controller plus the charge, over the '
    'bind without '
    'it: %s.  The binds of an mm that has its PASID, which the controller '
    'does not touch, measure within 1%%: %s.'
    % (' and '.join('%d' % d[1] for d in fb),
       ' and '.join('%d' % d[0] for d in fb),
       ' and '.join('%.3fx' % (d[0] / d[1]) for d in fb),
       abs(fb[0][1] / fb[1][1] - 1) * 100, c1_on,
       ' and '.join('%.3fx' % (1 + c1_on / d[1]) for d in fb),
       ' and '.join('%.3fx' % sva_same.values[r] for r in RUNS)))
for it in (sva_same, stat):
    if it.met() is False:
        findings.append('%s misses its target: %s.' % (it.what, fmt(it, it.values[1])))
missed_pins = [it for it in pinned.values() if it.met() is False]


def pin_finding():
    pp = pin_profile[1]
    off = {b: (pinned[b, 4].detail.get(1) or (None, None))[1]
           for b in ('type1', 'iommufd')}
    if 'charge' not in pp or 'alternate' not in pp or None in off.values():
        return ''
    ledger = pp['alternate'] - pp['charge']
    return (
        '  The `pin` profile splits what the controller adds to the map and '
        'unmap of one small page: the charge before the pin and its return '
        'after the unpin, %.0f instructions, and the commit of the page to '
        'the ledger and its release from it, %.0f more (%.0f with the chunk\'s '
        'pages pinned one by one, then unpinned).  Without the controller '
        'a map and unmap of 4 KiB runs %.0f instructions through type1 and '
        '%.0f through iommufd: the two steps alone are %.1f%% and %.1f%% of '
        'them, where 0.98x leaves %.1f%%.'
        % (pp['charge'], ledger, pp['run'] - pp['charge'], off['type1'],
           off['iommufd'], 100 * pp['alternate'] / off['type1'],
           100 * pp['alternate'] / off['iommufd'], 100 / 0.98 - 100))
if missed_pins:
    findings.append(
        'Pinning misses 0.98x in: %s.  Each pin and unpin counts its pages '
        'in the cgroup\'s ledger, so that a page that several mappings pin '
        'is charged once (item 7): a lock, a lookup of the chunk of 512 '
        'pfns and a count per page, or one count per chunk that a huge page '
        'fills.  Its cost shows where the runs are smallest: one 4 KiB page '
        'per ioctl.%s'
        % ('; '.join('%s %s' % (it.what, fmt(it, it.values[1]))
                     for it in missed_pins), pin_finding()))
if all(it.values.get(1) is not None for it in mem_page.values()):
    def per_tib(pg):
        # bytes per page x 2^28 pages of 4 KiB, in MiB
        return ' and '.join('%.1f MiB' % (mem_page[b, pg].values[1] * 2 ** 8)
                            for b in ('type1', 'iommufd'))

    def per_page(pg):
        return ' and '.join('%.2f' % mem_page[b, pg].values[1]
                            for b in ('type1', 'iommufd'))

    findings.append(
        'Item 7, what charging a page once costs in memory: the ledger of '
        'the pins of each page, one count per chunk of 2 MiB that a run of '
        'pinned pages fills, else one byte per page in an array per chunk; '
        'memory.stat\'s `slab` of a memory cgroup of the benchmark\'s own '
        'counts it, read after the periodic flush of the statistics, to '
        'within a page per CPU.  A live 1 GiB mapping of small pages adds '
        '%s bytes of slab per pinned page (type1, iommufd): at that rate a '
        '1 TiB VM backed by 4 KiB pages costs %s.  iommufd commits the runs '
        'of pfns as they go into its batch, and the pages of a new process, '
        'mostly contiguous, make runs that fill whole chunks; type1 commits '
        'its run at the end of each batch of 512 pages of the address, '
        'before it charges the next, so that a cgroup at its limit still '
        'maps memory that it pins already, and there small pages, whose '
        'chunks do not start where the address\'s 2 MiB do, are counted '
        'page by page.  '
        'Of huge pages, %s bytes per page, %s per TiB; mapped from 1 MiB '
        'into the first huge page on, as a VMM maps its guest\'s memory, %s '
        'bytes per page: both backends end their batches of pins at a '
        'huge page\'s boundary, so that the huge pages after the first '
        'are counted whole.  The ledger costs nothing per mapping.  Pinned '
        'pages scattered one per 2 MiB would cost a chunk each, 544 bytes, '
        'which the host\'s memory bounds to 0.03%% of it per cgroup.'
        % (per_page('small'), per_tib('small'), per_page('huge'),
           per_tib('huge'), per_page('huge-offset')))
if parallel.met() is False:
    findings.append(
        'Item 8 (parallel, by the host\'s clock) misses the IDA\'s ratio: '
        '%.3fx against %.3fx.  The IDA serializes its two threads on one '
        'lock and gains nothing from the second vCPU; the allocator '
        'serializes them on the xarray\'s lock too.  What it does beyond the '
        'IDA on a line that both vCPUs write is the charge of the root\'s '
        'counter, an atomic addition and subtraction per operation: the '
        'likely cause, not measured apart (that would take sets charged to '
        'no cgroup).  Under TCG atomic operations are emulated with host '
        'atomics, and the figure is wall-clock: it varies by 10%% and more '
        'from run to run.'
        % (parallel.values[1], parallel.target))

moved = [it for it in items if it.move() is not None and abs(it.move()) > MAX_MOVE]

# The plot: each ratio of run 1 against its target
dat = os.path.join(os.path.dirname(os.path.abspath(report)), '.bench-plot.dat')
plotted = [alloc] + list(charge.values()) + [sva_same, sva_new] + \
    list(pinned.values()) + [stat, parallel]
short = {'alloc': 'alloc vs IDA', 'charge1': 'charge d1 vs misc',
         'charge4': 'charge d4 vs misc', 'charge16': 'charge d16 vs misc',
         'sva_same': 'SVA bind, same mm', 'sva_new': 'SVA bind, new mm',
         'stat': 'stat 10k vs 1 sets', 'parallel': '2 vCPUs vs 1'}
for (backend, size), it in pinned.items():
    short[it.key] = '%s %s' % (backend, {4: '4K', 2048: '2M', 1048576: '1G',
                                         'offset': '1G+1M'}[size])
tics = []
with open(dat, 'w') as f:
    for i, it in enumerate(plotted):
        color = 0x2e7d32 if it.met(1) else 0xc62828
        f.write('%d %.4f %.4f %d\n' % (i, it.values[1], it.target, color))
        tics.append('"%s\\n(%s %.2f)" %d' % (
            short[it.key], 'at most' if it.better == 'lower' else 'at least',
            it.target, i))
gp = '''
set terminal pngcairo size 1100,560 font "sans,10"
set output "%s"
set title "make bench: each ratio (bar) against its target (black line); green met, red missed"
set ylabel "ratio (1.0 = no cost)"
set yrange [0:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set xtics (%s) rotate by -35 left nomirror
set xrange [-0.7:%d]
set grid ytics
set key off
set bmargin 8
set rmargin 8
plot "%s" using 1:2:4 with boxes lc rgb variable, \\
     "" using 1:3:(0.4) with xerrorbars pt -1 lc rgb "black" lw 2, \\
     "" using 1:2:(sprintf("%%.2f", $2)) with labels offset 0,0.6
''' % (plot, ', '.join(tics), len(plotted), dat)
subprocess.run(['gnuplot'], input=gp.encode(), check=True)
os.unlink(dat)

out = []
w = out.append
w('# Benchmarks')
w('')
w('What the IOASID allocator and the `ioasids` controller cost on the paths '
  'users run, side by side with what Linux 6.12 does without them.  '
  'Generated by `make bench` (`harness/bench-report.py`) on %s; do not edit '
  'by hand.' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
w('')
w('Every figure but the parallel one (item 8) is counted in instructions: '
  'the guests run under QEMU\'s TCG with `-icount shift=0,align=off,'
  'sleep=off`, where the guest\'s clock advances by one nanosecond per '
  'instruction executed, so a time measured in the guest is an instruction '
  'count, the same from run to run whatever else the host does.  What an '
  'instruction costs on real hardware (an atomic one, a cache miss) is not '
  'in the count.  `make bench` runs every measurement twice, from two boots '
  'each, and reports both runs and how far each ratio moved between them.')
w('')
w('![Each ratio of run 1 against its target](%s)' % os.path.basename(plot))
w('')
w('## Results')
w('')
w('| # | what | run 1 | run 2 | moved | target | |')
w('|---|---|---|---|---|---|---|')
numbers = {'alloc': 1, 'charge1': 2, 'charge4': 2, 'charge16': 2,
           'sva_same': 3, 'sva_new': 3, 'stat': 5, 'mem_id': 6,
           'mem_type1': 7, 'mem_iommufd': 7, 'parallel': 8}
numbers.update({it.key: 7 for it in mem_page.values()})
for it in items:
    n = numbers.get(it.key, 4)
    mv = it.move()
    if it.key == 'parallel':
        mv_s = 'one run'
        tgt = '>= %.3fx (the IDA\'s)' % it.target
    else:
        mv_s = '-' if mv is None else '%+.2f%%' % (mv * 100)
        tgt = target_str(it)
    if it.key.startswith('mem_') and it.key != 'mem_id':
        tgt = 'reported'
        v = ''
    else:
        v = verdict(it)
    w('| %d | %s | %s | %s | %s | %s | %s |' % (
        n, it.what, fmt(it, it.values.get(1)), fmt(it, it.values.get(2)),
        mv_s, tgt, v))
w('')
if moved:
    w('Ratios that moved more than 2%% between the runs: %s.  %s.' % (
        ', '.join(it.what for it in moved),
        'Each is a memory figure' if all(it.key.startswith('mem_') for it in moved)
        else 'See the findings'))
else:
    w('No ratio counted in instructions moved more than 2% between the two runs.')
w('')
w('## Findings')
w('')
for f in findings:
    w('- ' + f)
if not findings:
    w('- Every target is met.')
w('')
w('## Raw figures (run 1; instructions per operation unless said)')
w('')
w('| what | with the controller | baseline |')
w('|---|---|---|')
w('| alloc + free, depth 1 | %.0f | IDA %.0f |' % alloc.detail[1])
for d in (1, 4, 16):
    w('| charge + uncharge, depth %d | %.0f | misc %.0f |' % ((d,) + charge[d].detail[1]))
w('| SVA open + close of the mock device, same mm | %.0f | off %.0f |' % sva_same.detail[1])
w('| SVA first bind + unbind of a new process (PASID allocated and charged), median | %.0f | off %.0f |'
  % sva_new.detail[1])
for (backend, size), it in pinned.items():
    d = it.detail[1]
    w('| %s map + unmap of %s, per mapping | %.0f | off %.0f (map %.3fx, unmap %.3fx on/off time) |'
      % (backend, {4: '4 KiB', 2048: '2 MiB', 1048576: '1 GiB',
                   'offset': '1 GiB from 1 MiB on'}[size],
         d[0], d[1], d[2], d[3]))
w('| a read of ioasids.stat, 10,000 foreign sets | %d | 1 foreign set %d |' % stat.detail[1])
for b in ('type1', 'iommufd'):
    w('| slab bytes per live 4 KiB mapping, %s | %.1f | off %.1f |' % ((b,) + mem_map[b].detail[1]))
for (b, pg), it in mem_page.items():
    w('| slab bytes of a live 1 GiB mapping of %s, %s | %d | off %d |'
      % ((MEM_PAGES[pg], b) + it.detail[1]))
p = parallel.detail[1]
w('| parallel alloc + free, per second (host clock) | 1 vCPU %s, 2 vCPUs %s | IDA 1 vCPU %s, 2 vCPUs %s |'
  % (p['ioasid_one_ops'], p['ioasid_two_ops'], p['ida_one_ops'], p['ida_two_ops']))
w('')
w('Profile of an allocation and release at depth 1 (`profile`): ' + ', '.join(
    '%s %.0f' % (k, v) for k, v in pr.items()) + '.')
w('')
w('Profile of what the controller adds to a map and unmap of one small page '
  'at depth 1 (`pin`): ' + ', '.join(
      '%s %.0f' % (k, v) for k, v in pin_profile[1].items()) +
  ' (charge: the charge and its return alone; alternate: with the commit '
  'and release of each page of a chunk in turn; run: of its pages one by '
  'one, then released one by one).')
w('')
w('Cost by fill level, over a reference of constant cost timed alongside '
  '(1.00 is an ID from an empty IDA): ' + '; '.join(
      '%s live: allocator %.2f, IDA %.2f' % (
          format(n, ','), int(f['ioasid_ref_milli']) / 1000,
          int(f['ida_ref_milli']) / 1000) for n, f in sorted(fill[1].items()))
  + '.')
fa, cg = fill_all[1]
w('')
w('The whole space: %s IDs filled and drained, %s left, one more at full '
  'returned %s; `ioasids.current` of %s %s before and %s after, of the root '
  '%s and %s.' % (format(int(fa['filled']), ','), fa['left'], fa['one_more'],
                  cg['path'], cg['current_before'], cg['current_after'],
                  cg['root_before'], cg['root_after']))
w('')
w('## Method')
w('')
w('`make bench` builds a kernel from `harness/guest.config` and '
  '`harness/bench.config`: tinyconfig with what every guest needs, optimized '
  'for speed, without the test kernel\'s debug options, and with two '
  'test-only patches of `patches/test-series` that the series a maintainer '
  'receives does not contain: the in-kernel benchmark '
  '(`drivers/iommu/ioasid_bench.c`, `CONFIG_IOASID_BENCH`) and the mock '
  'IOMMUs (`drivers/iommu/ioasid_mock.c`).  The benchmark\'s baseline for '
  'the charge is a misc resource of its own, `ioasid_bench`, which exists '
  'only in that kernel.  Each run boots it three times under `-icount` '
  '(QEMU TCG, q35, 2 vCPUs, VT-d in scalable mode, two edu devices):')
w('')
w('- `bench-N-kernel`: `harness/bench-tests/ioasid_bench` makes cgroups at '
  'depths 1, 4 and 16 with `+ioasids +misc`, moves itself into each and '
  'writes the benchmark\'s commands to `/sys/kernel/debug/ioasid_bench/run`; '
  'each ratio is the median of 9 repetitions that time the two sides one '
  'after the other over 20,000 operations.  The other vCPU idles (an idle '
  'vCPU executes nothing under `-icount`); a timer interrupt that lands in '
  'a timed loop adds its instructions to it, which the median absorbs.')
w('- `bench-N-on` and `bench-N-off`: `harness/bench/bench_ioasids`, with the '
  'controller and with `cgroup_disable=ioasids`.  `pinned` maps COUNT '
  'distinct buffers of one size at distinct IOVAs, one ioctl each, for an '
  'edu device, then unmaps them (the median of 3 repetitions for 4 KiB, of '
  '5 otherwise), through a type1 container and through iommufd; with the '
  'controller it checks that the root\'s `ioasids.pinned.current` rises by '
  'exactly what is mapped and comes back.  The mapping of 1 GiB from 1 MiB '
  'on maps a buffer of 1 GiB and 2 MiB from 1 MiB into it: with huge pages '
  'from the start of the buffer, each 2 MiB of the mapping spans two of '
  'them.  The slab memory is '
  '`/proc/meminfo`\'s `Slab` before and after the first repetition\'s maps.  '
  '`sva` opens and closes `/dev/ioasid_mock_sva20` 200 times in one process '
  '(the mm keeps its PASID), 9 times, then forks 200 children, each of which times '
  'its first bind, which allocates and charges the PASID of its mm, and '
  'the unbind (the median of the 200); the PASID is freed and uncharged, '
  'untimed, when the child\'s mm goes.  `stat` times batches of 100 reads, the fastest of 30.')
w('')
w('Then one boot without `-icount`, `bench-parallel`, runs `parallel`: '
  'alloc + free throughput of one kthread bound to CPU 0 for 200 ms, then of '
  'two on CPUs 0 and 1, each in a set of its own sibling cgroup, and the same '
  'for two kthreads sharing the baseline IDA.  Under `-icount` the vCPUs '
  'take turns on one host thread, so this figure needs the host\'s clock, '
  'with its noise.')
w('')
w('## Machine')
w('')
cpu = subprocess.run(['sh', '-c', "lscpu | sed -n 's/^Model name: *//p' | head -n 1"],
                     capture_output=True, text=True).stdout.strip()
qemu = subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True,
                      text=True).stdout.splitlines()[0]
w('- host CPU: %s, %d cores' % (cpu, os.cpu_count()))
w('- %s' % qemu)
w('- host load average when the report was written: %s' %
  ' '.join(open('/proc/loadavg').read().split()[:3]))
open(report, 'w').write('\n'.join(out) + '\n')
print('  REPORT  %s, %s' % (report, plot))
