// @ts-check
// The www overview's numbers and words, without a browser: `node --test tests/js/www-overview.test.js`
// (after `bash scripts/build`, which copies uPlot and the shared chart module into www/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { activitySummary, activityTable, duration, replySummary, replyTable, weekHourWords, weekSummary } from "../../www/overview.js";

/** @typedef {import("../../pkg/kith.js").Contact} Contact */

test("activity sums the sources of each month and fills the quiet months between with zeros", () => {
  const t = activityTable([
    { month: "2023-11", source: "whatsapp", sent: 1, received: 2, group: 0 },
    { month: "2024-02", source: "telegram", sent: 3, received: 0, group: 1 },
    { month: "2024-02", source: "whatsapp", sent: 1, received: 0, group: 0 },
  ]);
  assert.deepEqual(t, {
    months: ["2023-11", "2023-12", "2024-01", "2024-02"], sent: [1, 0, 0, 4], received: [2, 0, 0, 0], group: [0, 0, 0, 1],
  });
  assert.match(activitySummary(t), /: you sent 5, they sent 2 in direct chats; 1 by others in groups\./);
  assert.deepEqual(activityTable([]).months, []);
  assert.equal(activitySummary(activityTable([])), "No messages in direct chats yet.");
});

test("the week's summary counts every message once and finds the busiest hour and part of the day", () => {
  const hours = new Array(168).fill(0);
  hours[24 + 9] = 3; // Tuesday 09h
  hours[6 * 24 + 23] = 1; // Sunday 23h
  assert.match(weekSummary(hours), /^You wrote 4 messages, most in the morning \(6–12h\): 75%\. .* 09:00–10:00 \(3\)\.$/);
  assert.match(weekHourWords(hours, 6 * 24 + 23), / 23:00–00:00: 1 message$/);
  assert.match(weekHourWords(hours, 0), / 00:00–01:00: 0 messages$/);
  assert.match(weekSummary(new Array(168).fill(0)), /^You wrote 0 messages/);
});

test("reply times are banded per person by their typical time, and said in words", () => {
  const person = (/** @type {number | null} */ mine, /** @type {number | null} */ theirs) =>
    /** @type {Contact} */ (/** @type {unknown} */ ({ myReplyMinutes: mine, theirReplyMinutes: theirs }));
  const t = replyTable([person(2, 600), person(45, null), person(null, 4000), person(5, 5)]);
  assert.deepEqual(t.mine, [1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(t.theirs, [0, 1, 0, 1, 0, 1, 0]);
  assert.equal(replySummary(t), "You typically reply in 5 min (the middle of 3 people); they reply to you in 10 h (the middle of 3 people). You answer within the hour to 3 of 3 people.");
  assert.match(replySummary(replyTable([])), /^No replies yet/);
  assert.deepEqual([duration(0.2), duration(90), duration(1440), duration(3000)], ["1 min", "1.5 h", "1 day", "2.1 days"]);
});
