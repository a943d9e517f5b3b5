#!/usr/bin/python3
"""locked-secrets: a Secret Service whose one collection is locked, for
vtoken's keyring tests (gnome-keyring's "session" collection cannot be
locked, so a real daemon cannot show this case).

    python3 locked-secrets.py STATEDIR

Owns org.freedesktop.secrets on the session bus ($DBUS_SESSION_BUS_ADDRESS)
and answers as a Secret Service would: no "session" alias, a "default"
collection that is Locked, searches that find nothing unlocked.  Every
method call is logged as a line "Interface.Method" to STATEDIR/calls.log,
so a test can tell that nobody asked to Unlock or to show a Prompt.
STATEDIR/ready appears once the name is owned.  Needs PyGObject (gi).
"""

import os
import sys

from gi.repository import Gio, GLib

SVC = "org.freedesktop.Secret.Service"
COL = "org.freedesktop.Secret.Collection"
COLL_PATH = "/org/freedesktop/secrets/collection/login"
XML = """<node>
 <interface name="org.freedesktop.Secret.Service">
  <method name="OpenSession"><arg type="s" direction="in"/>
   <arg type="v" direction="in"/><arg type="v" direction="out"/>
   <arg type="o" direction="out"/></method>
  <method name="ReadAlias"><arg type="s" direction="in"/>
   <arg type="o" direction="out"/></method>
  <method name="SearchItems"><arg type="a{ss}" direction="in"/>
   <arg type="ao" direction="out"/><arg type="ao" direction="out"/></method>
  <method name="Unlock"><arg type="ao" direction="in"/>
   <arg type="ao" direction="out"/><arg type="o" direction="out"/></method>
  <property name="Collections" type="ao" access="read"/>
 </interface>
 <interface name="org.freedesktop.Secret.Collection">
  <method name="SearchItems"><arg type="a{ss}" direction="in"/>
   <arg type="ao" direction="out"/></method>
  <method name="CreateItem"><arg type="a{sv}" direction="in"/>
   <arg type="(oayays)" direction="in"/><arg type="b" direction="in"/>
   <arg type="o" direction="out"/><arg type="o" direction="out"/></method>
  <property name="Items" type="ao" access="read"/>
  <property name="Label" type="s" access="read"/>
  <property name="Locked" type="b" access="read"/>
  <property name="Created" type="t" access="read"/>
  <property name="Modified" type="t" access="read"/>
 </interface>
</node>"""


def main():
    statedir = sys.argv[1]
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    loop = GLib.MainLoop()

    def log(what):
        with open(os.path.join(statedir, "calls.log"), "a") as f:
            f.write(what + "\n")

    def call(conn, sender, path, iface, method, params, inv):
        log("%s.%s" % (iface.rsplit(".", 1)[-1], method))
        if method == "OpenSession":
            if params.unpack()[0] != "plain":
                inv.return_dbus_error("org.freedesktop.DBus.Error."
                                      "NotSupported", "plain only")
                return
            inv.return_value(GLib.Variant(
                "(vo)", (GLib.Variant("s", ""),
                         "/org/freedesktop/secrets/session/s1")))
        elif method == "ReadAlias":
            alias = params.unpack()[0]
            inv.return_value(GLib.Variant(
                "(o)", (COLL_PATH if alias == "default" else "/",)))
        elif method == "SearchItems" and iface == SVC:
            inv.return_value(GLib.Variant("(aoao)", ([], [])))
        elif method == "SearchItems":
            inv.return_value(GLib.Variant("(ao)", ([],)))
        else:
            # Unlock and CreateItem would need a prompt: refuse.
            inv.return_dbus_error("org.freedesktop.Secret.Error.IsLocked",
                                  "locked")

    def prop(conn, sender, path, iface, name):
        values = {
            "Collections": GLib.Variant("ao", [COLL_PATH]),
            "Items": GLib.Variant("ao", []),
            "Label": GLib.Variant("s", "Login"),
            "Locked": GLib.Variant("b", True),
            "Created": GLib.Variant("t", 0),
            "Modified": GLib.Variant("t", 0),
        }
        return values.get(name)

    def acquired(conn, name):
        with open(os.path.join(statedir, "ready"), "w") as f:
            f.write("ready\n")

    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    conn.register_object("/org/freedesktop/secrets",
                         info.lookup_interface(SVC), call, prop, None)
    conn.register_object(COLL_PATH, info.lookup_interface(COL), call, prop,
                         None)
    Gio.bus_own_name_on_connection(conn, "org.freedesktop.secrets",
                                   Gio.BusNameOwnerFlags.NONE, acquired,
                                   lambda c, n: loop.quit())
    conn.connect("closed", lambda *a: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
