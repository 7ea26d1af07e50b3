/**
 * commander, loaded through `require`: commander is CommonJS, and importing it as an ES module
 * makes Node scan its source for export names and load an ESM wrapper first (several ms of every
 * `tsbpf` command's start); require gives the same classes without that.
 */
import { createRequire } from 'node:module';
import type * as Commander from 'commander';

const commander = createRequire(import.meta.url)('commander') as typeof Commander;

/** commander's `Command`. */
export const Command = commander.Command;
/** commander's `Command` type. */
export type Command = Commander.Command;
/** commander's `CommanderError` (thrown by `exitOverride`). */
export const CommanderError = commander.CommanderError;
/** commander's `InvalidArgumentError`, for option parsers. */
export const InvalidArgumentError = commander.InvalidArgumentError;
/** commander's `Option`. */
export const Option = commander.Option;
/** commander's `Option` type. */
export type Option = Commander.Option;
