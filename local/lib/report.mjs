// The run report: what happened (from the interpreter's event log) and what the same run would
// cost in AWS at list prices, beside the always-on Airflow server it replaces.
import { readFileSync } from 'node:fs';

export function loadPrices(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Seconds spent in each state, summed over its visits, from StateEntered/StateExited pairs. */
export function durationsByState(events) {
  const open = new Map();
  const totals = new Map();
  for (const event of events) {
    const name = event.state?.name;
    if (!name) continue;
    if (event.type === 'StateEntered') open.set(name, event.timestamp);
    if ((event.type === 'StateExited' || event.type === 'StateFailed') && open.has(name)) {
      totals.set(name, (totals.get(name) ?? 0) + (event.timestamp - open.get(name)) / 1000);
      open.delete(name);
    }
  }
  return totals;
}

/**
 * @param run            result of execute(): events, entered, calls, invocations (ms each)
 * @param nodeSeconds    {instanceType: seconds running}
 * @param memoryMiB      memory size of the functions
 */
export function costOf({ transitions, invocationMs, nodeSeconds, memoryMiB }, prices) {
  const stepFunctions = transitions * prices.stepFunctionsPerStateTransition;
  const gbSeconds = invocationMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)) / 1000, 0) * (memoryMiB / 1024);
  const lambda = invocationMs.length * prices.lambdaPerRequest + gbSeconds * prices.lambdaPerGbSecond;
  let ec2 = 0;
  for (const [type, seconds] of Object.entries(nodeSeconds)) {
    const hourly = prices.ec2PerHour[type];
    if (hourly === undefined) throw new Error(`no price for instance type ${type} in prices.json`);
    ec2 += (seconds / 3600) * hourly;
  }
  const airflowPerDay = prices.airflowServer.perMonth / 30;
  return { stepFunctions, lambda, ec2, total: stepFunctions + lambda + ec2, gbSeconds, airflowPerDay };
}

export function money(value) {
  return value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(2)}`;
}
