#!/usr/bin/env node
// The `rekognito` command (npx rekognito): registers tsx's loader, then runs the CLI from source.
import { register } from "tsx/esm/api";

register();
await import("../server/cli.ts");
