vcl 4.1;

# Varnish in front of gox, purged by surrogate key through xkey. gox sends
# a page's purge keys in Surrogate-Key (GOX_CDN_KEYS=surrogate) and purges
# with PURGE requests carrying xkey-softpurge or xkey-purge
# (GOX_PURGE_VARNISH). docs/deploy.md shows this file.

import xkey;

backend gox {
    .host = "127.0.0.1";
    .port = "GOX_PORT";
}

# Who may purge: the gox instances.
acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.n-gone = xkey.softpurge(req.http.xkey-softpurge);
        } else if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        } else {
            return (synth(400, "want xkey-purge or xkey-softpurge"));
        }
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }
}

sub vcl_backend_response {
    # xkey indexes the object by the keys in its xkey header.
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    unset beresp.http.Surrogate-Key;
}

sub vcl_deliver {
    unset resp.http.xkey;
}
