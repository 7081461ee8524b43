{
  webserver.virtualHosts."b.example".port = 8080;
  webserver.virtualHosts."a.example".aliases = [ "alt.a.example" ];
}
