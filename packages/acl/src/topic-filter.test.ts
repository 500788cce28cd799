import { describe, expect, it } from 'vitest';
import {
  filterContains,
  filtersOverlap,
  isValidTopicFilter,
  isValidTopicName,
  matchesFilter,
} from './topic-filter.ts';

const longTopic = (bytes: number, char = 'a'): string => char.repeat(bytes);

describe('isValidTopicName', () => {
  it.each([
    ['a plain topic', 'devices/a/telemetry', true],
    ['a single level', 'a', true],
    ['a lone separator (two empty levels)', '/', true],
    ['empty levels in the middle', 'a//b', true],
    ['a trailing separator', 'a/', true],
    ['a $ topic', '$SYS/broker/uptime', true],
    ['a paired surrogate (emoji)', 'devices/\u{1f680}', true],
    ['exactly 65535 UTF-8 bytes', longTopic(65535), true],
    ['the empty string', '', false],
    ['a + wildcard', 'devices/+/telemetry', false],
    ['a # wildcard', 'devices/#', false],
    ['a wildcard inside a level', 'a+b', false],
    ['a NUL character', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udc00a', false],
    ['65536 UTF-8 bytes', longTopic(65536), false],
    ['21846 three-byte characters', longTopic(21846, '\u20ac'), false],
    ['21845 three-byte characters', longTopic(21845, '\u20ac'), true],
  ])('%s → %s', (_name, topic, valid) => {
    expect(isValidTopicName(topic)).toBe(valid);
  });
});

describe('isValidTopicFilter', () => {
  it.each([
    ['# alone', '#', true],
    ['+ alone', '+', true],
    ['# as the last level', 'a/#', true],
    ['+ in several levels', '+/+/+', true],
    ['+ then #', '+/#', true],
    ['empty levels around +', '/+/', true],
    ['a literal topic', 'a/b', true],
    ['# not last', 'a/#/b', false],
    ['# inside a level', 'a/b#', false],
    ['+ inside a level', 'a/b+/c', false],
    ['+ glued to #', '+#', false],
    ['## as a level', 'a/##', false],
    ['the empty string', '', false],
    ['a NUL character', 'a/\u0000', false],
    ['a lone surrogate', '\udbff/#', false],
  ])('%s → %s', (_name, filter, valid) => {
    expect(isValidTopicFilter(filter)).toBe(valid);
  });
});

describe('matchesFilter', () => {
  it.each([
    ['literal equals literal', 'a/b', 'a/b', true],
    ['literal differs', 'a/b', 'a/c', false],
    ['+ matches one level', 'a/+/c', 'a/b/c', true],
    ['+ does not match two levels', 'a/+', 'a/b/c', false],
    ['+ matches an empty level', 'a/+/c', 'a//c', true],
    ['+ matches a trailing empty level', 'a/+', 'a/', true],
    ['+ needs the level to exist', 'a/+', 'a', false],
    ['# matches every deeper level', 'a/#', 'a/b/c/d', true],
    ['[MQTT-4.7.1-2] # matches the parent level', 'a/#', 'a', true],
    ['# matches a trailing empty level', 'a/#', 'a/', true],
    ['# does not match a sibling', 'a/#', 'b', false],
    ['# alone matches a topic of empty levels', '#', '/', true],
    ['[MQTT-4.7.2-1] # does not match a $ topic', '#', '$SYS/uptime', false],
    ['[MQTT-4.7.2-1] + does not match a $ first level', '+/uptime', '$SYS/uptime', false],
    ['[MQTT-4.7.2-1] + first level skips a bare $', '+', '$', false],
    ['a $ literal matches its topic', '$SYS/#', '$SYS/uptime', true],
    ['$ rule applies only to the first level', 'a/+', 'a/$x', true],
    ['# matches a first level that is empty', '#', '/a', true],
    ['empty levels are levels', 'a/b', 'a//b', false],
    ['leading separator is an empty level', '+/a', '/a', true],
    ['trailing separator adds a level', 'a/b', 'a/b/', false],
    ['invalid filter matches nothing', 'a/#/b', 'a/x/b', false],
    ['invalid topic is matched by nothing', '#', 'a/+', false],
  ])('%s: %s vs %s → %s', (_name, filter, topic, expected) => {
    expect(matchesFilter(filter, topic)).toBe(expected);
  });
});

describe('filterContains', () => {
  it.each([
    ['a filter contains itself', 'devices/+/x', 'devices/+/x', true],
    ['+ contains a literal', 'devices/+/x', 'devices/a/x', true],
    ['a narrower # does not contain a wider #', 'devices/a/#', 'devices/#', false],
    ['a wider # contains a narrower #', 'devices/#', 'devices/a/#', true],
    ['a literal does not contain +', 'devices/a/x', 'devices/+/x', false],
    ['+ does not contain #', 'devices/+', 'devices/#', false],
    ['# contains + and its parent', 'a/#', 'a/+', true],
    ['a/# contains a (parent level)', 'a/#', 'a', true],
    ['a/+ does not contain a', 'a/+', 'a', false],
    ['a does not contain a/#', 'a', 'a/#', false],
    ['+/# contains a/+/b', '+/#', 'a/+/b', true],
    ['+/# contains #', '+/#', '#', true],
    ['# contains +/#', '#', '+/#', true],
    ['[MQTT-4.7.2-1] # does not contain $SYS/#', '#', '$SYS/#', false],
    ['[MQTT-4.7.2-1] +/# does not contain $SYS/a', '+/#', '$SYS/a', false],
    ['$SYS/# contains $SYS/+', '$SYS/#', '$SYS/+', true],
    ['$SYS/# does not contain + (no $ topic there)', '$SYS/#', '+', false],
    ['# contains a/$SYS ($ only matters first)', '#', 'a/$SYS', true],
    ['+ contains an empty first level', '+/x', '/x', true],
    ['empty levels differ from missing ones', 'a//b', 'a/b', false],
    ['a trailing empty level is a level', 'a/+', 'a/', true],
    ["[MQTT-4.7.3-1] '/#' cannot match '', so +/+/# contains /#", '+/+/#', '/#', true],
    ["'/#' still contains its other two-level topics", '/+', '/#', false],
    ['invalid inner is never contained', '#', 'a/#/b', false],
    ['invalid outer contains nothing', 'a#', 'a', false],
  ])('%s: %s ⊇ %s → %s', (_name, outer, inner, expected) => {
    expect(filterContains(outer, inner)).toBe(expected);
  });
});

describe('filtersOverlap', () => {
  it.each([
    ['identical filters', 'a/b', 'a/b', true],
    ['different literals', 'a/b', 'a/c', false],
    ['+ and a literal', 'a/+', 'a/b', true],
    ['# and a longer filter', 'a/#', 'a/b/+/d', true],
    ['# and its parent', 'a/#', 'a', true],
    ['crossing wildcards', 'a/+/c', '+/b/+', true],
    ['different lengths without #', 'a/+', 'a/+/+', false],
    ['[MQTT-4.7.2-1] # and a $ filter share nothing', '#', '$SYS/#', false],
    ['[MQTT-4.7.2-1] + and a $ literal share nothing', '+/x', '$SYS/x', false],
    ['two $ filters', '$SYS/#', '$SYS/+', true],
    ['+ and an empty level', '+', '/', false],
    ['empty first level and +', '+/a', '/+', true],
    ['a deny inside a subscription', 'devices/+/commands/#', 'devices/#', true],
    ["[MQTT-4.7.3-1] + and /# share only '', which is no topic", '+', '/#', false],
    ['# and /# share /x', '#', '/#', true],
    ['invalid filters never overlap', 'a/#/b', '#', false],
  ])('%s: %s ∩ %s → %s', (_name, a, b, expected) => {
    expect(filtersOverlap(a, b)).toBe(expected);
    expect(filtersOverlap(b, a)).toBe(expected);
  });
});
