import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import { MESSAGES, languageFromCookie, translate } from "../../static/fieldapp/js/i18n.js";

const JS_DIR = new URL("../../static/fieldapp/js/", import.meta.url);

test("both languages have exactly the same keys, none empty", () => {
  const zh = Object.keys(MESSAGES["zh-hans"]).sort();
  const en = Object.keys(MESSAGES.en).sort();
  assert.deepEqual(zh, en);
  for (const language of ["zh-hans", "en"]) {
    for (const [key, text] of Object.entries(MESSAGES[language])) assert.ok(text.trim(), `${language} ${key}`);
  }
});

test("every key the screens ask for is in the dictionary", () => {
  for (const name of readdirSync(JS_DIR)) {
    const source = readFileSync(new URL(name, JS_DIR), "utf8");
    for (const match of source.matchAll(/\bt\("([^"]+)"/g)) assert.ok(match[1] in MESSAGES.en, `${name}: ${match[1]}`);
  }
});

test("Chinese unless the site's language cookie says English", () => {
  assert.equal(languageFromCookie(""), "zh-hans");
  assert.equal(languageFromCookie("csrftoken=x; django_language=en"), "en");
  assert.equal(languageFromCookie("django_language=zh-hans"), "zh-hans");
  assert.equal(languageFromCookie("django_language=fr"), "zh-hans");
  assert.equal(translate("en", "doors_left", { left: 3, total: 9 }), "3 of 9 doors not visited");
  assert.equal(translate("zh-hans", "doors_left", { left: 3, total: 9 }), "未访 3 户 / 共 9 户");
});
