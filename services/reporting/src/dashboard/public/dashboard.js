// The dashboard reads the reporting REST API and draws it with Chart.js (the global `Chart`).
// No build step: this file is served as it is.
/* global Chart */

const charts = {};
const BUCKET_COLOURS = ['#6a994e', '#f2cc8f', '#e9a03b', '#e07a5f', '#c0392b', '#7b1e1e', '#4a0e0e'];

const percent = (ratio) => (ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)}%`);

const formats = new Map();
function formatOf(currency) {
  if (!formats.has(currency))
    formats.set(currency, new Intl.NumberFormat('en', { style: 'currency', currency }));
  return formats.get(currency);
}

/** Amounts arrive in minor units; the currency says how many of them make one. */
function major(minorUnits, currency) {
  return minorUnits / 10 ** formatOf(currency).resolvedOptions().maximumFractionDigits;
}

function money(minorUnits, currency) {
  return formatOf(currency).format(major(minorUnits, currency));
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function draw(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart(document.getElementById(id), config);
}

function addDays(isoDate, days) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function stackedAging(id, reports, currency) {
  const groups = reports.filter((r) => r.currency === currency);
  const bucketNames = groups[0]?.buckets.map((b) => b.bucket) ?? [];
  draw(id, {
    type: 'bar',
    data: {
      labels: groups.map((g) => g.group),
      datasets: bucketNames.map((bucket, i) => ({
        label: bucket,
        backgroundColor: BUCKET_COLOURS[i % BUCKET_COLOURS.length],
        data: groups.map((g) => major(g.buckets[i].amount, currency)),
      })),
    },
    options: { indexAxis: 'y', animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
  });
}

async function load(asOf, wantedCurrency) {
  const status = document.getElementById('status');
  status.textContent = 'Loading…';
  status.className = '';
  const q = `asOf=${asOf}`;
  const [rates, aging, dso, collected, kpis, top, trend, byTier, byIndustry, byRegion] = await Promise.all([
    getJson(`/reports/overdue-rate?${q}`),
    getJson(`/reports/aging?${q}`),
    getJson(`/reports/dso?${q}`),
    getJson(`/reports/collection-rate?${q}`),
    getJson(`/reports/collection-kpis?${q}`),
    getJson(`/reports/top-overdue-customers?${q}&limit=10`),
    getJson(`/reports/overdue-rate/trend?from=${addDays(asOf, -89)}&to=${asOf}`),
    getJson(`/reports/aging?${q}&by=tier`),
    getJson(`/reports/aging?${q}&by=industry`),
    getJson(`/reports/aging?${q}&by=region`),
  ]);

  const currencies = [...new Set(rates.rates.map((r) => r.currency))];
  const select = document.getElementById('currency');
  select.replaceChildren(...currencies.map((c) => new Option(c, c)));
  const currency = currencies.includes(wantedCurrency) ? wantedCurrency : (currencies[0] ?? 'EUR');
  select.value = currency;

  const rate = rates.rates.find((r) => r.currency === currency);
  setText('kpi-overdue-rate', percent(rate?.byAmount ?? null));
  setText('kpi-overdue-rate-count', rate ? `${percent(rate.byCount)} of invoices` : '');
  setText('kpi-outstanding', money(rate?.outstanding.amount ?? 0, currency));
  setText('kpi-outstanding-count', `${rate?.outstanding.count ?? 0} invoices`);
  setText('kpi-overdue', money(rate?.overdue.amount ?? 0, currency));
  setText('kpi-overdue-count', `${rate?.overdue.count ?? 0} invoices`);
  const days = dso.dso.find((d) => d.currency === currency)?.dso;
  setText('kpi-dso', days === null || days === undefined ? '–' : `${days} days`);
  setText('kpi-collected-60', percent(collected.rates.find((r) => r.currency === currency)?.rate ?? null));
  setText('kpi-automated-share', percent(kpis.automatedReminderShare));

  const series = trend.series.filter((s) => s.currency === currency);
  draw('trend-chart', {
    type: 'line',
    data: {
      labels: series.map((s) => s.day),
      datasets: [
        {
          label: 'Overdue rate (%)',
          data: series.map((s) => s.byAmount * 100),
          borderColor: '#c0392b',
          pointRadius: 0,
        },
      ],
    },
    options: { animation: false, scales: { y: { beginAtZero: true, max: 100 } } },
  });

  const book = aging.reports.find((r) => r.currency === currency);
  draw('aging-chart', {
    type: 'bar',
    data: {
      labels: book?.buckets.map((b) => b.bucket) ?? [],
      datasets: [
        {
          label: `Outstanding (${currency})`,
          data: book?.buckets.map((b) => major(b.amount, currency)) ?? [],
          backgroundColor: BUCKET_COLOURS,
        },
      ],
    },
    options: { animation: false, plugins: { legend: { display: false } } },
  });

  const rows = top.customers
    .filter((c) => c.currency === currency)
    .map((c) => {
      const row = document.createElement('tr');
      row.dataset.customerId = c.customerId;
      const cells = [
        c.name ?? c.customerId,
        c.tier ?? '',
        c.industry ?? '',
        c.region ?? '',
        c.salesOwner ?? '',
        String(c.invoices),
        String(c.oldestDaysOverdue),
        money(c.overdue, currency),
      ];
      row.replaceChildren(
        ...cells.map((text, i) => {
          const cell = document.createElement('td');
          cell.textContent = text;
          if (i >= 5) cell.className = 'num';
          return cell;
        }),
      );
      return row;
    });
  document.querySelector('#top-customers tbody').replaceChildren(...rows);

  stackedAging('by-tier-chart', byTier.reports, currency);
  stackedAging('by-industry-chart', byIndustry.reports, currency);
  stackedAging('by-region-chart', byRegion.reports, currency);

  status.textContent = `As of ${asOf}`;
  document.body.dataset.loadedAsOf = asOf;
  document.body.dataset.currency = currency;
}

function showError(error) {
  const status = document.getElementById('status');
  status.textContent = `Could not load the reports: ${error.message}`;
  status.className = 'error';
}

async function start() {
  const params = new URLSearchParams(location.search);
  const clock = await getJson('/admin/clock').catch(() => ({ today: new Date().toISOString().slice(0, 10) }));
  const input = document.getElementById('as-of');
  input.value = params.get('asOf') ?? clock.today;
  input.max = clock.today;
  const reload = () => {
    const url = new URL(location.href);
    url.searchParams.set('asOf', input.value);
    history.replaceState(null, '', url);
    load(input.value, document.getElementById('currency').value).catch(showError);
  };
  input.addEventListener('change', reload);
  document.getElementById('currency').addEventListener('change', reload);
  await load(input.value, params.get('currency')).catch(showError);
}

start();
