import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { APIRequestContext, expect } from "@playwright/test";

export type Credentials = { client_id: string; client_secret: string };

import { serverBinary } from "../playwright.config";

/**
 * The owner API client of the test database, fetched once per run with the operator command
 * `server owner reset-secret --json` and cached beside the database.
 */
export function ownerCredentials(): Credentials {
  const db = process.env.GATEHOUSE_E2E_DB!;
  const cache = `${db}.owner.json`;
  if (!fs.existsSync(cache)) {
    const out = execFileSync(serverBinary, ["--database", db, "owner", "reset-secret", "--json"], {
      encoding: "utf8",
    });
    fs.writeFileSync(cache, out.trim());
  }
  return JSON.parse(fs.readFileSync(cache, "utf8"));
}

function basic(credentials: Credentials) {
  return "Basic " + Buffer.from(`${credentials.client_id}:${credentials.client_secret}`).toString("base64");
}

/** Calls the Capture API as `as` (the owner by default) and returns the JSON answer. */
export async function capture(
  request: APIRequestContext,
  endpoint: string,
  form: Record<string, string> = {},
  as: Credentials = ownerCredentials(),
) {
  const response = await request.post(endpoint, { form, headers: { Authorization: basic(as) } });
  expect(response.status()).toBe(200);
  return response.json();
}

/** Adds a property through the API; returns its credentials. */
export async function addProperty(request: APIRequestContext, name: string, features: string[] = []) {
  const body = await capture(request, "/clients/add", { description: name, features: JSON.stringify(features) });
  expect(body.stat, JSON.stringify(body)).toBe("ok");
  return { client_id: body.client_id as string, client_secret: body.client_secret as string };
}

/** A short random tag so each test's data can be found (and only its data) by searching. */
export function uniqueTag(prefix: string) {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`;
}

export type Account = { username: string; password: string };

/**
 * A console account for the tests, made once per run with the operator command
 * `server user add NAME --role ROLE --json` and cached beside the database.
 */
export function account(username: string, role: "admin" | "viewer"): Account {
  const db = process.env.GATEHOUSE_E2E_DB!;
  const cache = `${db}.${username}.json`;
  if (!fs.existsSync(cache)) {
    const out = execFileSync(
      serverBinary,
      ["--database", db, "user", "add", username, "--role", role, "--json"],
      { encoding: "utf8" },
    );
    fs.writeFileSync(cache, out.trim());
  }
  return JSON.parse(fs.readFileSync(cache, "utf8"));
}
