# verify.jq - judge one simulator journal against the audit events auditd-e2e.sh caused.
#
# Input: the journal file as one raw string (jq -R -s). The last line may
# be half-written while the test polls, so lines that are not JSON are
# counted, not fatal, until --arg final 1.
# Arguments (--arg): key, cwd, w (watched dir), zrcat, zrtrue, user, uidn,
# logfmt (RAW|ENRICHED), host, long (the execve argument), useradd and
# userdel (resolved exe paths), utf8 (the UTF-8 file name as it must
# arrive, escaped), final, nrules; --slurpfile seen: the records auditd
# itself printed ({type, sec, ser}, EOE excluded).
# Output: {complete, checks: [{check, ok, detail, a}], figures}. `a` marks
# arrival checks: the test polls until they all hold, then judges all.
#
# The plugin's own items (resources ZRA_*, audispd-zos-remote(8) SELF-AUDIT)
# are checked apart: ZRA_START must arrive; the Linux checks see only
# the items Linux records made.
# Expectations come from shared/spec/mapping.md: one item per record,
# Resource = record type, Qualifier 0/3/1 from success=/res=, LinkValue =
# serial (BE, bytes 0-3) + seconds (BE, bytes 4-7), relocate 1 = type 113
# ctime, relocate 2 = msg=audit(sec.msec:serial), then name=value
# (interpreted) for every field starting with type=, values printable
# ASCII with \xHH escapes, split into name[i/n]= parts beyond 1024 bytes.

def hex8: . as $n
  | [range(7; -1; -1) as $i | ((($n / pow(16; $i)) | floor) % 16) as $d
     | "0123456789abcdef"[$d:$d + 1]] | join("");
def rels: [(.relocates // [])[] | .value | tostring];
def hasrel($s): any((.relocates // [])[]; .value == $s);
def rel_with($p): [rels[] | select(startswith($p))];
def msgid: ((.relocates // [])[1].value // "") | tostring;
def msgparts: (msgid | capture("^msg=audit\\((?<sec>[0-9]+)\\.(?<ms>[0-9]{3}):(?<ser>[0-9]+)\\)$")) // null;
def linkof($m): ($m.ser | tonumber | hex8) + ((($m.sec | tonumber) % 4294967296) | hex8);
def ctime: strflocaltime("%a %b %e %H:%M:%S %Y");
def short: tostring | if length > 240 then .[:240] + "..." else . end;
def ck($name; $ok; $detail): {check: $name, ok: ($ok == true), detail: ($detail | short), a: false};
def cka($name; $ok; $detail): ck($name; $ok; $detail) | .a = true;
def res_of($r): map(select(.resource == $r));
def firstdiff($a; $b): [range(0; [($a | length), ($b | length)] | min) | select($a[.:. + 1] != $b[.:. + 1])][0]
  // ([($a | length), ($b | length)] | min);

# What is wrong with one SMF item, whatever event it belongs to.
def item_problems($host):
  . as $i | msgparts as $m | (.relocates // []) as $r
  | [ (if $m == null then "relocate 2 is not msg=audit(sec.msec:serial): " + msgid else empty end),
      (if $m != null and $i.link != linkof($m) then
         "link " + ($i.link | tostring) + " but " + msgid + " gives " + linkof($m) else empty end),
      (if ($r[0].type // null) != 113 then "relocate 1 is not type 113" else empty end),
      (if $m != null and ($r[0].value // "") != ($m.sec | tonumber | ctime) then
         "relocate 1 (113) \"" + (($r[0].value // "") | tostring) + "\", ctime of " + $m.sec
         + " is \"" + ($m.sec | tonumber | ctime) + "\"" else empty end),
      (if [$r[1:][] | .type] | all(. == 114) | not then "a relocate after the first is not type 114" else empty end),
      (if ($r[2].value // "") != ("type=" + (.resource | tostring)) then
         "relocate 3 is \"" + (($r[2].value // "none") | tostring) + "\", not type=" + (.resource | tostring) else empty end),
      (rels[] | select(length < 1 or length > 1024 or (test("^[ -~]*$") | not))
       | "relocate value not 1..1024 printable ASCII: " + short),
      (if .class != "@LINUX" then "class " + (.class | tostring) else empty end),
      (if .event != 2 then "event " + (.event | tostring) else empty end),
      (if .violation != false then "violation " + (.violation | tostring) else empty end),
      (if .user != "ZOSAUDIT" then "user " + (.user | tostring) else empty end),
      (if .resource == "EOE" then "an EOE record became an item" else empty end),
      (if (.logstring | tostring | startswith("Remote audit request from ZOSAUDIT. Linux (" + $host + "): type: ")) | not
       then "logstring \"" + (.logstring | tostring) + "\"" else empty end) ];

# Every item's link value comes from its own msg=audit(...) relocate.
def link_check($what; $it):
  ck($what + ": link value = serial BE + seconds BE of msg=audit(...) on every item";
     ($it | length) > 0 and all($it[]; msgparts as $m | $m != null and .link == linkof($m));
     [$it[] | .link + " from " + msgid] | unique | join(", "));

# The same, for the items of one event: they also share one msg id.
def event_link_check($what; $it):
  link_check($what; $it) | .ok = (.ok and ([$it[] | msgid] | unique | length) == 1);

def qual_check($what; $it; $q):
  ck($what + ": qualifier " + ($q | tostring) + " on every item"; ($it | length) > 0 and all($it[]; .qualifier == $q);
     [$it[] | .resource + ":" + (.qualifier | tostring)] | join(","));

def open_checks($smf; $what; $path; $q; $succ; $exitre; $uids):
  [$smf[] | select(.resource == "PATH" and hasrel("name=" + $path)) | .link] | unique as $ls
  | if ($ls | length) != 1 then
      [cka($what + ": arrives as one event with PATH name=" + $path; false;
           "events found: " + ($ls | length | tostring) + " " + ($ls | join(",")))]
    else
      [$smf[] | select(.link == $ls[0])] as $it
      | ($it | res_of("SYSCALL")) as $sc | ($sc[0] // {}) as $s
      | [ cka($what + ": resources SYSCALL, CWD, PATH, PROCTITLE";
              (["CWD", "PATH", "PROCTITLE", "SYSCALL"] - [$it[].resource] | length) == 0 and ($sc | length) == 1;
              [$it[].resource] | join(",")),
          qual_check($what; $it; $q),
          event_link_check($what; $it),
          ck($what + ": SYSCALL key=" + $key; $s | hasrel("key=" + $key); $s | rel_with("key=") | join(" ")),
          ck($what + ": SYSCALL syscall=openat success=" + $succ;
             ($s | hasrel("syscall=openat")) and ($s | hasrel("success=" + $succ));
             $s | [rel_with("syscall=")[], rel_with("success=")[]] | join(" ")),
          ck($what + ": CWD cwd=" + $cwd; any($it[]; .resource == "CWD" and hasrel("cwd=" + $cwd));
             $it | res_of("CWD") | map(rel_with("cwd=")[]) | join(" ")),
          ck($what + ": PROCTITLE proctitle=" + $zrcat + " " + $path;
             any($it[]; .resource == "PROCTITLE" and hasrel("proctitle=" + $zrcat + " " + $path));
             $it | res_of("PROCTITLE") | map(rel_with("proctitle=")[]) | join(" ")) ]
      + (if $exitre == "" then [] else
          [ck($what + ": SYSCALL exit=" + $exitre; $s | rel_with("exit=") | any(test("^exit=(" + $exitre + ")"));
              $s | rel_with("exit=") | join(" "))] end)
      + (if ($uids | length) == 0 then [] else
          [ck($what + ": SYSCALL uid=" + ($uids | join("|")); $s | rel_with("uid=") | any(IN($uids[] | "uid=" + .));
              $s | rel_with("uid=") | join(" "))] end)
    end;

# name[i/n] parts: for each field name, either one relocate or 1/n..n/n in order.
def parts_ok:
  map(capture("^(?<base>[^=\\[]+(\\[[0-9]+\\])?)(\\[(?<i>[0-9]+)/(?<n>[0-9]+)\\])?="))
  | group_by(.base)
  | all(.[]; length as $len
             | if .[0].i == null then $len == 1
               else ([.[].i | tonumber] == [range(1; $len + 1)]) and all(.[]; (.n | tonumber) == $len) end);

def exec_checks($smf):
  [$smf[] | select(.resource == "PATH" and hasrel("name=" + $zrtrue)) | .link] | unique as $ls
  | if ($ls | length) != 1 then
      [cka("execve: arrives as one event with PATH name=" + $zrtrue; false;
           "events found: " + ($ls | length | tostring))]
    else
      [$smf[] | select(.link == $ls[0])] as $it
      | ($it | res_of("SYSCALL")[0] // {}) as $s
      | ($it | res_of("EXECVE") | sort_by(.tag)) as $ex
      | [$ex[] | rels[] | select(test("^a1(\\[[0-9]+\\])?(\\[[0-9]+/[0-9]+\\])?="))] as $parts
      | ($parts | map(sub("^[^=]*="; "")) | join("")) as $joined
      | [ cka("execve: resources SYSCALL, EXECVE, CWD, PATH x2, PROCTITLE";
              (["CWD", "EXECVE", "PROCTITLE", "SYSCALL"] - [$it[].resource] | length) == 0
              and ($it | res_of("PATH") | length) == 2;
              [$it[].resource] | join(",")),
          qual_check("execve"; $it; 0),
          event_link_check("execve"; $it),
          ck("execve: SYSCALL key=" + $key + " syscall=execve success=yes";
             ($s | hasrel("key=" + $key)) and ($s | hasrel("syscall=execve")) and ($s | hasrel("success=yes"));
             $s | [rel_with("key=")[], rel_with("syscall=")[]] | join(" ")),
          ck("execve: EXECVE argc=2 a0=" + $zrtrue; any($ex[]; hasrel("argc=2")) and any($ex[]; hasrel("a0=" + $zrtrue));
             [$ex[] | rel_with("argc=")[], rel_with("a0=")[]] | join(" ")),
          cka("execve: the " + ($long | length | tostring) + "-byte argument arrives whole in "
              + ($parts | length | tostring) + " relocates over " + ($ex | length | tostring) + " EXECVE items";
              $joined == $long;
              if $joined == $long then "joined length " + ($joined | length | tostring)
              else firstdiff($joined; $long) as $at
                | "joined length " + ($joined | length | tostring) + ", first difference at offset "
                  + ($at | tostring) + ": " + ($joined[$at:][:60]) end),
          ck("execve: argument parts named a1[k] / a1[k][i/n] in order"; $parts | parts_ok;
             $parts | map(sub("=.*$"; "")) | join(" ")) ]
    end;

def user_checks($smf; $what; $res; $exe; $field; $vals):
  [$smf[] | select(.resource == $res and hasrel("exe=" + $exe)
                   and (rel_with($field + "=") | any(IN(($vals[] | $field + "=" + .)))))] as $it
  | [ cka($what + ": " + $res + " from exe=" + $exe + " with " + $field + "=" + ($vals | join("|"));
          ($it | length) >= 1;
          "found " + ($it | length | tostring) + "; all " + $res + ": "
          + ([$smf[] | select(.resource == $res) | rel_with($field + "=")[]] | join(" "))),
      qual_check($what + " " + $res; $it; 0),
      link_check($what + " " + $res; $it) ];

(split("\n") | map(select(length > 0))) as $lines
| [$lines[] | . as $l | (try fromjson catch {kind: "BAD", text: $l})] as $all
| [$all[] | select(.kind == "smf" and ((.resource // "") | startswith("ZRA_") | not))] as $smf
| [$all[] | select(.kind == "smf" and ((.resource // "") | startswith("ZRA_")))] as $self
| [$all[] | select(.kind == "item")] as $notwritten
| [$all[] | select(.kind == "request")] as $reqs
| [$all[] | select(.kind == "bind")] as $binds
| [$all[] | select(.kind == "BAD")] as $bad
| ($uidn | tostring) as $u
| (if $logfmt == "ENRICHED" then [$user] else [$user, $u, "unknown(" + $u + ")"] end) as $uids
| [$smf[] | item_problems($host) as $p | select($p | length > 0) | {link, resource, p: $p}] as $problems
| ($smf | group_by(.link)) as $events
| ($seen | group_by([.ser, .sec, .type])
   | map({ser: .[0].ser, sec: .[0].sec, type: .[0].type, n: length})
   | map(. as $w | linkof($w) as $l
         | .got = ([$smf[] | select(.link == $l and .resource == $w.type)] | length)
         | select(.got < .n))) as $missing
| ( open_checks($smf; "read"; $w + "/readme"; 0; "yes"; ""; [])
  + open_checks($smf; "failed open (root, ENOENT)"; $w + "/missing"; 3; "no"; "ENOENT|-2"; [])
  + open_checks($smf; "failed open (" + $user + ", EACCES)"; $w + "/secret"; 3; "no"; "EACCES|-13"; $uids)
  + open_checks($smf; "UTF-8 name"; $utf8; 0; "yes"; ""; [])
  + exec_checks($smf)
  + user_checks($smf; "useradd"; "ADD_USER"; $useradd; "id"; [$user, $u, "unknown(" + $u + ")"])
  + user_checks($smf; "useradd"; "ADD_GROUP"; $useradd; "acct"; [$user])
  + user_checks($smf; "userdel"; "DEL_USER"; $userdel; "id"; [$user, $u, "unknown(" + $u + ")"])
  + user_checks($smf; "userdel"; "DEL_GROUP"; $userdel; "acct"; [$user])
  + [ ck("auditctl: CONFIG_CHANGE op=add_rule key=" + $key + " for each of the " + $nrules + " rules";
         ([$smf[] | select(.resource == "CONFIG_CHANGE" and hasrel("op=add_rule") and hasrel("key=" + $key))] | length)
         >= ($nrules | tonumber);
         [$smf[] | select(.resource == "CONFIG_CHANGE") | rel_with("op=")[], rel_with("key=")[]] | join(" ")),
      ck("plugin: its own ZRA_START (self-audit) arrives with msgid=ZRA0001I";
         any($self[]; .resource == "ZRA_START" and hasrel("msgid=ZRA0001I"));
         [$self[] | .resource] | join(",")),
      ck("auditd: DAEMON_START op=start arrives with qualifier 0";
         any($smf[]; .resource == "DAEMON_START" and hasrel("op=start") and .qualifier == 0);
         [$smf[] | select(.resource == "DAEMON_START") | .qualifier] | tostring),
      cka("every record auditd printed (" + ($seen | length | tostring) + ", EOE excluded) arrived as an item with its link";
          ($missing | length) == 0;
          $missing[:5] | map(.type + " audit(" + (.sec | tostring) + ":" + (.ser | tostring) + ") "
                            + (.got | tostring) + "/" + (.n | tostring)) | join(", ")),
      ck("every item: relocates 113 ctime, msg=audit(...), type=RESOURCE, fields; link; class, event, logstring";
         ($problems | length) == 0;
         ($problems | length | tostring) + " bad items; first: "
         + ($problems[:3] | map(.resource + " " + .link + ": " + (.p | join("; "))) | join(" | "))),
      ck("every event: one qualifier and one log string on all its items";
         all($events[]; ([.[].qualifier] | unique | length) == 1 and ([.[].logstring] | unique | length) == 1);
         [$events[] | select(([.[].qualifier] | unique | length) > 1 or ([.[].logstring] | unique | length) > 1)
          | .[0].link + ": " + ([.[] | .resource + ":" + (.qualifier | tostring)] | join(","))][:3] | join(" | ")),
      ck("no item delivered twice (same link, resource, relocates)";
         ($smf | group_by([.link, .resource, .relocates]) | map(select(length > 1)) | length) == 0;
         $smf | group_by([.link, .resource, .relocates]) | map(select(length > 1) | .[0].resource + " " + .[0].link)
         | join(", ")),
      ck("no item refused (journal kind=item)"; ($notwritten | length) == 0;
         $notwritten[:3] | map((.resource // "?" | tostring) + " " + (.name // "?" | tostring) + " "
                              + ((.minor1 // "") | tostring) + "/" + ((.minor2 // "") | tostring) + ": "
                              + (.reason // "" | tostring)) | join(" | ")),
      ck("every request answered with ResponseCode 0"; all($reqs[]; .ldap_result == 0 and .code == 0);
         $reqs | map(select(.ldap_result != 0 or .code != 0)) | .[:3] | tostring),
      ck("the plugin bound as ZOSAUDIT and every bind succeeded";
         ($binds | length) >= 1 and all($binds[]; .result == 0 and .user == "ZOSAUDIT");
         $binds | map((.user | tostring) + ":" + (.result | tostring)) | join(" ")) ]
  + (if $final == "1" then
      [ck("every journal line is JSON"; ($bad | length) == 0; $bad[:2] | map(.text) | join(" | "))]
     else [] end)
  ) as $checks
| { complete: all($checks[] | select(.a); .ok),
    checks: $checks,
    figures: { items: ($smf | length), events: ($events | length), requests: ($reqs | length),
               max_items_per_request: ([$reqs[].items] | max // 0),
               binds: ($binds | length), connections: ([$smf[].conn] | unique | length),
               refused: ($notwritten | length), auditd_records: ($seen | length),
               resources: ($smf | group_by(.resource) | map(.[0].resource + "=" + (length | tostring)) | join(" ")) } }
