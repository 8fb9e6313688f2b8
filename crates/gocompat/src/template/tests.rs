//! Table-driven tests of the template engine against what Go's
//! `text/template` (with docker's functions) prints for the same input.

use super::*;
use serde_json::{json, Value};

fn data() -> Value {
    json!({
        "ID": "x6kpvn0ycp4t",
        "Name": "web",
        "Replicas": 3,
        "Ratio": 0.5,
        "Big": 1000000.0,
        "Empty": "",
        "Zero": 0,
        "On": true,
        "Off": false,
        "Nothing": null,
        "Tags": ["a", "b", "c"],
        "NoTags": [],
        "Labels": {"com.example": "x", "b": "2", "a": "1"},
        "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}},
        "Ports": [{"Published": 8080, "Target": 80}, {"Published": 443, "Target": 443}],
        "Text": "hello, World"
    })
}

fn render(src: &str) -> Result<String, TemplateError> {
    parse(src)?.render(&data())
}

#[test]
fn renders_like_go() {
    let cases: &[(&str, &str)] = &[
        // Text and fields.
        ("", ""),
        ("plain text", "plain text"),
        ("{{.Name}}", "web"),
        ("{{ .Name }}", "web"),
        ("{{.Spec.Name}}", "web"),
        ("{{.Spec.Mode.Replicated.Replicas}}", "2"),
        ("{{.Missing}}", "<no value>"),
        ("{{.Missing.Deeper}}", "<no value>"),
        ("{{.Nothing}}", "<no value>"),
        ("{{.Replicas}}", "3"),
        ("{{.Ratio}}", "0.5"),
        ("{{.Big}}", "1e+06"),
        ("{{.On}} {{.Off}}", "true false"),
        ("{{.Tags}}", "[a b c]"),
        ("{{.Labels}}", "map[a:1 b:2 com.example:x]"),
        ("{{.Spec.Mode}}", "map[Replicated:map[Replicas:2]]"),
        ("{{.Ports}}", "[map[Published:8080 Target:80] map[Published:443 Target:443]]"),
        ("{{$.Name}}", "web"),
        // json.
        ("{{json .Tags}}", r#"["a","b","c"]"#),
        ("{{json .Name}}", r#""web""#),
        ("{{json .Spec.Mode}}", r#"{"Replicated":{"Replicas":2}}"#),
        ("{{json .Missing}}", "null"),
        ("{{json .Text}}", r#""hello, World""#),
        ("{{.Labels | json}}", r#"{"a":"1","b":"2","com.example":"x"}"#),
        // docker's string functions.
        ("{{join .Tags \", \"}}", "a, b, c"),
        ("{{join .NoTags \",\"}}", ""),
        ("{{upper .Name}}", "WEB"),
        ("{{.Name | upper}}", "WEB"),
        ("{{lower \"ABC\"}}", "abc"),
        ("{{title .Text}}", "Hello, World"),
        ("{{split \"a:b:c\" \":\"}}", "[a b c]"),
        ("{{index (split \"a:b:c\" \":\") 1}}", "b"),
        ("{{join (split .Text \", \") \"|\"}}", "hello|World"),
        ("{{truncate .ID 5}}", "x6kpv"),
        ("{{truncate .Name 10}}", "web"),
        ("{{.ID | truncate 3}}", "<<ERR>>"),
        ("{{pad .Name 1 2}}|", " web  |"),
        ("{{pad .Empty 1 2}}|", "|"),
        ("{{.Name | printf \"%-6s|\"}}", "web   |"),
        ("{{printf \"%s has %d\" .Name .Replicas}}", "web has 3"),
        ("{{println .Name}}", "web\n"),
        ("{{println .Name .Replicas}}", "web 3\n"),
        ("{{print .Name .Replicas}}", "web3"),
        ("{{print 1 2}}", "1 2"),
        ("{{len .Tags}} {{len .Name}} {{len .Labels}}", "3 3 3"),
        ("{{index .Labels \"com.example\"}}", "x"),
        ("{{index .Labels \"nope\"}}", "<no value>"),
        ("{{index .Tags 2}}", "c"),
        ("{{(index .Ports 0).Published}}", "8080"),
        // Literals.
        ("{{\"quoted\\tstring\"}}", "quoted\tstring"),
        ("{{`raw\\t`}}", "raw\\t"),
        ("{{42}} {{-3}} {{1.5}} {{true}}", "42 -3 1.5 true"),
        // if / else.
        ("{{if .On}}yes{{end}}", "yes"),
        ("{{if .Off}}yes{{end}}", ""),
        ("{{if .Off}}yes{{else}}no{{end}}", "no"),
        ("{{if .Missing}}yes{{else}}no{{end}}", "no"),
        ("{{if .Empty}}a{{else if .Zero}}b{{else if .Tags}}c{{else}}d{{end}}", "c"),
        ("{{if .NoTags}}a{{else}}b{{end}}", "b"),
        ("{{if and .On .Name}}{{.Name}}{{end}}", "web"),
        ("{{and .On .Zero .Name}}", "0"),
        ("{{or .Empty .Zero .Name}}", "web"),
        ("{{or .Empty .Zero}}", "0"),
        ("{{if not .Off}}ok{{end}}", "ok"),
        ("{{if eq .Name \"web\"}}match{{end}}", "match"),
        ("{{if eq .Name \"x\" \"y\" \"web\"}}any{{end}}", "any"),
        ("{{if ne .Replicas 3}}diff{{else}}same{{end}}", "same"),
        ("{{if gt .Replicas 2}}gt{{end}}{{if lt .Ratio 1}}lt{{end}}{{if ge 2 2}}ge{{end}}{{if le \"a\" \"b\"}}le{{end}}", "gtltgele"),
        ("{{if eq .Replicas 3.0}}float-eq{{end}}", "float-eq"),
        // range / with.
        ("{{range .Tags}}[{{.}}]{{end}}", "[a][b][c]"),
        ("{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}", "0=a 1=b 2=c "),
        ("{{range $t := .Tags}}{{$t}}{{end}}", "abc"),
        ("{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}", "a:1;b:2;com.example:x;"),
        ("{{range .Ports}}{{.Published}}->{{.Target}} {{end}}", "8080->80 443->443 "),
        ("{{range .Ports}}{{$.Name}}:{{.Target}} {{end}}", "web:80 web:443 "),
        ("{{range .NoTags}}x{{else}}none{{end}}", "none"),
        ("{{range .Missing}}x{{else}}none{{end}}", "none"),
        ("{{range .Tags}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", "a"),
        ("{{range .Tags}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", "ac"),
        ("{{range 3}}{{.}}{{end}}", "012"),
        ("{{with .Spec}}{{.Name}}{{end}}", "web"),
        ("{{with .Missing}}x{{else}}none{{end}}", "none"),
        ("{{with $x := .Spec.Mode}}{{$x.Replicated.Replicas}}{{end}}", "2"),
        // Variables.
        ("{{$n := .Name}}{{$n}}-{{$n | upper}}", "web-WEB"),
        ("{{$n := 1}}{{$n = 2}}{{$n}}", "2"),
        ("{{$n := .Name}}{{range .Tags}}{{$n}}{{end}}", "webwebweb"),
        // Trim markers and comments.
        ("a  {{- .Name -}}  b", "awebb"),
        ("a\n\t{{- .Name}}\n", "aweb\n"),
        ("{{/* a comment */}}x", "x"),
        ("x {{- /* trimmed */ -}} y", "xy"),
        (
            "{{range .Tags -}}\n  {{.}}\n{{- end}}",
            "abc",
        ),
        // Parenthesized pipelines.
        ("{{(.Name | upper)}}", "WEB"),
        ("{{printf \"%s-%s\" (upper .Name) (lower \"X\")}}", "WEB-x"),
        ("{{(.Spec).Name}}", "web"),
    ];
    for (src, want) in cases {
        let got = render(src);
        if *want == "<<ERR>>" {
            assert!(got.is_err(), "{src:?} should fail, got {got:?}");
            continue;
        }
        assert_eq!(got.as_deref(), Ok(*want), "template {src:?}");
    }
}

#[test]
fn parse_errors_like_go() {
    let cases: &[(&str, &str)] = &[
        ("{{.Name", "template: :1: unclosed action"),
        (
            "{{foo .Name}}",
            r#"template: :1: function "foo" not defined"#,
        ),
        ("{{if .X}}", "template: :1: unexpected EOF"),
        ("{{end}}", "template: :1: unexpected {{end}}"),
        ("{{else}}", "template: :1: unexpected {{else}}"),
        ("a\n{{$x}}", r#"template: :2: undefined variable "$x""#),
        ("{{}}", "template: :1: missing value for command"),
        ("{{if}}{{end}}", "template: :1: missing value for if"),
        ("{{break}}", "template: :1: {{break}} outside {{range}}"),
        (
            "{{template \"x\"}}",
            "template: :1: {{template}} is not supported",
        ),
        ("{{.A | }}", "template: :1: missing value for command"),
        ("{{(.A}}", "template: :1: unclosed left paren"),
        (
            "{{range $i, $e := .A}}{{end}}{{$i}}",
            r#"template: :1: undefined variable "$i""#,
        ),
    ];
    for (src, want) in cases {
        let err = parse(src).expect_err(src);
        assert_eq!(err.to_string(), *want, "template {src:?}");
    }
}

#[test]
fn exec_errors_like_go() {
    let cases: &[(&str, &str)] = &[
        (
            "{{upper .Replicas}}",
            "template: :1:2: executing \"\" at <upper .Replicas>: wrong type for value; expected string; got int",
        ),
        (
            "x\n {{.Name.First}}",
            "template: :2:3: executing \"\" at <.Name.First>: can't evaluate field First in type string",
        ),
        (
            "{{index .Tags 9}}",
            "template: :1:2: executing \"\" at <index .Tags 9>: error calling index: index out of range: 9",
        ),
        (
            "{{range .Name}}{{end}}",
            "template: :1:8: executing \"\" at <.Name>: range can't iterate over web",
        ),
        (
            "{{.Name | .ID}}",
            "template: :1:10: executing \"\" at <.ID>: can't give argument to non-function .ID",
        ),
    ];
    for (src, want) in cases {
        let err = render(src).expect_err(src);
        assert_eq!(err.to_string(), *want, "template {src:?}");
    }
}

#[test]
fn header_rendering_like_docker() {
    let headers: HashMap<&str, &str> = [
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Image", "IMAGE"),
        ("Ports", "PORTS"),
    ]
    .into();
    let cases: &[(&str, &str)] = &[
        ("{{.ID}}\t{{.Name}}", "ID\tNAME"),
        ("{{.Name | upper}}\t{{json .Ports}}", "NAME\tPORTS"),
        ("{{truncate .ID 3}}:{{lower .Image}}", "ID:IMAGE"),
        ("{{pad .Name 1 1}}|", " NAME |"),
        ("{{.Unknown}}", "<no value>"),
    ];
    for (src, want) in cases {
        assert_eq!(
            header_for(src, &headers).as_deref(),
            Ok(*want),
            "header {src:?}"
        );
    }
}

#[test]
fn docker_format_preparation() {
    assert!(is_table("table {{.ID}}"));
    assert!(!is_table("{{.ID}}"));
    assert_eq!(table_format("table {{.ID}}"), Some(" {{.ID}}"));
    assert_eq!(table_format("{{.ID}}"), None);
    assert_eq!(unescape(r"{{.A}}\t{{.B}}\n"), "{{.A}}\t{{.B}}\n");
    let cases: &[(&str, bool, &str)] = &[
        ("table {{.ID}}\\t{{.Name}}", true, "{{.ID}}\t{{.Name}}"),
        ("table", true, ""),
        ("  {{.ID}}  ", false, "{{.ID}}"),
        ("json", false, "{{json .}}"),
        ("{{json .}}", false, "{{json .}}"),
    ];
    for (input, table, template) in cases {
        let f = prepare(input);
        assert_eq!(
            (f.table, f.template.as_str()),
            (*table, *template),
            "format {input:?}"
        );
    }
    assert!(prepare("table").is_empty());
}

#[test]
fn render_rows_as_docker_tables() {
    let headers: HashMap<&str, &str> = [
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Mode", "MODE"),
        ("Replicas", "REPLICAS"),
        ("Image", "IMAGE"),
        ("Ports", "PORTS"),
    ]
    .into();
    let rows = vec![
        json!({"ID": "x6kpvn0ycp4t", "Name": "web", "Mode": "replicated", "Replicas": "3/3", "Image": "nginx:latest", "Ports": "*:8080->80/tcp"}),
        json!({"ID": "3kr0f2ceqxd1", "Name": "cache", "Mode": "global", "Replicas": "2/2", "Image": "redis:7", "Ports": ""}),
    ];
    let fmt = "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}";
    let want = "\
ID             NAME      MODE         REPLICAS   IMAGE          PORTS
x6kpvn0ycp4t   web       replicated   3/3        nginx:latest   *:8080->80/tcp
3kr0f2ceqxd1   cache     global       2/2        redis:7        
";
    assert_eq!(render_rows(fmt, &rows, &headers).unwrap(), want);
    // No rows: still a header, with min-width columns.
    assert_eq!(
        render_rows(fmt, &[], &headers).unwrap(),
        "ID        NAME      MODE      REPLICAS   IMAGE     PORTS\n"
    );
    // Without `table`: raw lines, no header, no alignment.
    assert_eq!(
        render_rows("{{.Name}}\\t{{.Mode}}", &rows, &headers).unwrap(),
        "web\treplicated\ncache\tglobal\n"
    );
    assert_eq!(
        render_rows("json", &rows[1..], &headers)
            .unwrap()
            .lines()
            .count(),
        1
    );
    // `table {{json .}}`: docker's header json wants a string, fails on the
    // header object, and docker prints the partial header made so far.
    let out = render_rows("table {{json .Name}} {{json .}}", &rows[..1], &headers).unwrap();
    assert_eq!(out.lines().next(), Some("NAME "));
    assert!(header_for("{{json .}}", &headers).is_err());
}
