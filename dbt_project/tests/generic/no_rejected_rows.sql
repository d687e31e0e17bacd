{#
  Passes when the model is empty. Meant for rejected-row models with
  severity warn: the build goes on, and the warning's failure count is the
  number of records that were rejected.
#}
{% test no_rejected_rows(model) %}
    select * from {{ model }}
{% endtest %}
